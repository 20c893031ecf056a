//! Who is at the other end of a loopback TCP connection: the socket's inode from
//! `/proc/net/tcp`, and the processes that hold it from `/proc/<pid>/fd`. The Runtime API
//! uses it to serve only its own environment's processes.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// Parses an address of `/proc/net/tcp` (`0100007F:1F90`: the IPv4 address as the kernel
/// stores it, in hex, then the port).
fn parse_addr(s: &str) -> Option<SocketAddrV4> {
    let (ip, port) = s.split_once(':')?;
    if ip.len() != 8 {
        return None;
    }
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddrV4::new(Ipv4Addr::from(ip.to_ne_bytes()), port))
}

/// Inode of the socket whose local address is `local` and remote address `remote`, from the
/// text of `/proc/net/tcp`.
fn find_inode(table: &str, local: SocketAddrV4, remote: SocketAddrV4) -> Option<u64> {
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (l, r, inode) = (cols.get(1)?, cols.get(2)?, cols.get(9)?);
        (parse_addr(l)? == local && parse_addr(r)? == remote)
            .then(|| inode.parse().ok())
            .flatten()
    })
}

/// Inode of the client socket of a connection accepted on `server` from `client`.
pub(crate) fn client_socket_inode(client: SocketAddr, server: SocketAddr) -> Option<u64> {
    let (SocketAddr::V4(client), SocketAddr::V4(server)) = (client, server) else {
        return None;
    };
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    find_inode(&table, client, server)
}

/// Whether one of `pids` has socket `inode` open.
pub(crate) fn held_by(inode: u64, pids: &[i32]) -> bool {
    let want = format!("socket:[{inode}]");
    pids.iter().any(|pid| {
        std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|rd| {
            rd.flatten()
                .any(|e| std::fs::read_link(e.path()).is_ok_and(|t| t.as_os_str() == want.as_str()))
        })
    })
}

/// The processes of process group `pgid` (from `/proc/<pid>/stat`).
pub(crate) fn group_members(pgid: i32) -> Vec<i32> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
                    let rest = &s[s.rfind(')')? + 1..];
                    rest.split_whitespace().nth(2)?.parse::<i32>().ok()
                })
                == Some(pgid)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_tcp_lines_are_read() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 424242 1 0000000000000000 20 4 30 10 -1\n\
   1: 0100007F:1F90 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000  1000        0 434343 1 0000000000000000 20 4 30 10 -1\n";
        let lo = |port| SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
        if cfg!(target_endian = "little") {
            assert_eq!(find_inode(table, lo(0xA1B2), lo(0x1F90)), Some(424242));
            assert_eq!(find_inode(table, lo(0x1F90), lo(0xA1B2)), Some(434343));
        }
        assert_eq!(find_inode(table, lo(1), lo(2)), None);
    }

    #[test]
    fn our_own_connection_is_found_and_held_by_us_only() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(server.local_addr().unwrap()).unwrap();
        let (_accepted, from) = server.accept().unwrap();
        let inode = client_socket_inode(from, server.local_addr().unwrap()).expect("in the table");
        let me = std::process::id() as i32;
        assert!(held_by(inode, &[me]));
        assert!(!held_by(inode, &[1]), "not by init");
        drop(client);
    }

    #[test]
    fn a_process_group_lists_its_members() {
        let me = std::process::id() as i32;
        let pgid = nix::unistd::getpgrp().as_raw();
        assert!(group_members(pgid).contains(&me));
    }
}
