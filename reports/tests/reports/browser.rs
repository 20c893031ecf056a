//! `report.html` in a real browser: headless Chromium opens it, logs no console error, and
//! its screenshot is not blank. Runs when `LAMSIM_TEST_CHROMIUM` names the Chromium binary
//! (`.ci/browser-setup.sh` installs Debian's); otherwise it says it is skipped (`skip`).

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lamsim_reports::{ReportOptions, run_report_files, write_dir_files};

use crate::fixtures;

fn chromium() -> Option<String> {
    crate::skip::tool(
        "LAMSIM_TEST_CHROMIUM",
        "report_html_opens_without_console_errors_and_is_not_blank",
        "a Chromium binary; `bash .ci/browser-setup.sh` installs one",
    )
}

/// Runs Chromium headless on `url` with `args` and a private profile, killed after 90 s;
/// returns its stdout and stderr. Both go to files, so that a large `--dump-dom` never fills
/// a pipe nobody reads.
fn run_chromium(bin: &str, dir: &Path, args: &[String], url: &str) -> (String, String) {
    let (out_path, err_path) = (dir.join("chromium.out"), dir.join("chromium.err"));
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            // Chromium's own services (sign-in, updates) would try the network: not the page.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within 90 s:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (
        String::from_utf8_lossy(&std::fs::read(&out_path).unwrap()).into_owned(),
        String::from_utf8_lossy(&std::fs::read(&err_path).unwrap()).into_owned(),
    )
}

/// Console messages Chromium logs to stderr (`--enable-logging=stderr`) look like
/// `[…:INFO:CONSOLE(12)] "message", source: file:///… (12)`; a script error shows as
/// `Uncaught …`, and a resource the page fails to load as `net::ERR_…` with its address
/// (`file://` or any other). Chromium's own background requests name no page address.
fn console_errors(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Uncaught")
                || l.contains("Failed to load resource")
                || (l.contains("net::ERR_") && (l.contains("file://") || l.contains("report")))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn report_html_opens_without_console_errors_and_is_not_blank() {
    let Some(bin) = chromium() else { return };
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("run");
    let s = fixtures::three_functions_replicated_priced();
    let files =
        run_report_files(&s, &fixtures::report_data(&s), &ReportOptions::default()).unwrap();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    write_dir_files(&out, &refs).unwrap();
    let url = format!("file://{}", out.join("report.html").display());

    // The DOM after load, with console messages on stderr.
    let (dom, stderr) = run_chromium(
        &bin,
        root.path(),
        &[
            "--enable-logging=stderr".into(),
            "--v=1".into(),
            "--dump-dom".into(),
        ],
        &url,
    );
    assert!(
        dom.contains("lamsim run report"),
        "the page did not load:\n{stderr}"
    );
    assert_eq!(
        dom.matches("<svg").count(),
        files.iter().filter(|(n, _)| n.ends_with(".svg")).count()
    );
    let errors = console_errors(&stderr);
    assert!(errors.is_empty(), "console errors:\n{}", errors.join("\n"));

    // A screenshot that shows something: many non-white pixels and the palette's colours.
    let shot = root.path().join("shot.png");
    let (_, stderr) = run_chromium(
        &bin,
        root.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
        ],
        &url,
    );
    let bytes = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}):\n{stderr}"));
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1280, 2000));
    let channels = info.color_type.samples();
    let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let non_white = px
        .iter()
        .filter(|p| p[..3].iter().any(|c| *c < 235))
        .count();
    assert!(
        non_white > px.len() / 50,
        "screenshot nearly blank: {non_white} of {} pixels not white",
        px.len()
    );
    let mut colours: Vec<[u8; 3]> = px.iter().map(|p| [p[0], p[1], p[2]]).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 50, "only {} colours", colours.len());
    // The Okabe–Ito blue of the charts is on screen.
    assert!(
        px.iter()
            .any(|p| p[0] < 0x10 && (0x68..0x7c).contains(&p[1]) && (0xa8..0xbc).contains(&p[2])),
        "no chart colour in the screenshot"
    );
}
