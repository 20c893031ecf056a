//! Errors of the harness: configuration problems found before serving, and the reasons an
//! invocation is refused at the Invoke API.

use std::path::PathBuf;

/// A problem that prevents the runtime from starting.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A function has no `[function.handler]`.
    #[error(
        "function[{index}].handler: function `{name}` has no [function.handler] (hint: add \
         `[function.handler]` with `command = [\"python3\", \"-m\", \"awslambdaric\", \"app.handler\"]` \
         or the path of a runtime binary)"
    )]
    NoHandler {
        /// Position of the function in the workload.
        index: usize,
        /// Its name.
        name: String,
    },
    /// `[function.handler] command` is empty.
    #[error(
        "function[{index}].handler.command: the command of `{name}` is empty (hint: give the program \
         and its arguments, e.g. `command = [\"./bootstrap\"]`)"
    )]
    EmptyCommand {
        /// Position of the function in the workload.
        index: usize,
        /// Its name.
        name: String,
    },
    /// `[function.handler] cwd` is not a directory.
    #[error(
        "function[{index}].handler.cwd: `{}` is not a directory (hint: `cwd` is relative to the \
         workload file)", cwd.display()
    )]
    BadCwd {
        /// Position of the function in the workload.
        index: usize,
        /// The folder that does not exist.
        cwd: PathBuf,
    },
    /// The program of `[function.handler] command` cannot be found.
    #[error(
        "function[{index}].handler.command[0]: program `{program}` not found (hint: a relative path \
         is resolved against `cwd`; a bare name is looked up in PATH)"
    )]
    ProgramNotFound {
        /// Position of the function in the workload.
        index: usize,
        /// The program as written.
        program: String,
    },
    /// The program of `[function.handler] command` is a file without execute permission.
    #[error(
        "function[{index}].handler.command[0]: program `{program}` is not executable (hint: \
         `chmod +x {path}`, or name its interpreter first, e.g. `[\"python3\", \"{program}\"]`)"
    )]
    ProgramNotExecutable {
        /// Position of the function in the workload.
        index: usize,
        /// The program as written.
        program: String,
        /// The file it resolved to.
        path: PathBuf,
    },
    /// Two functions have the same name.
    #[error("function[{index}].name: `{name}` is defined twice (hint: names must be unique)")]
    DuplicateFunction {
        /// Position of the second definition.
        index: usize,
        /// The name.
        name: String,
    },
    /// There is no function to serve.
    #[error("the workload defines no [[function]] to serve")]
    NoFunctions,
    /// A socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A log or record file could not be created.
    #[error("cannot create {}: {source}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Why an invocation was refused before any handler ran. Each maps to the HTTP status and
/// `X-Amzn-ErrorType` that AWS Lambda's Invoke API returns.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// 404 `ResourceNotFoundException`.
    #[error("Function not found: {arn}")]
    UnknownFunction {
        /// The ARN that was asked for.
        arn: String,
    },
    /// 429 `TooManyRequestsException`: the function's concurrency limit is reached.
    #[error("Rate Exceeded.")]
    Throttled {
        /// `ReservedFunctionConcurrentInvocationLimitExceeded` or
        /// `ConcurrentInvocationLimitExceeded`.
        reason: &'static str,
    },
    /// 413 `RequestEntityTooLargeException`.
    #[error("Request must be smaller than {limit} bytes for the {operation} operation")]
    PayloadTooLarge {
        /// The limit, bytes.
        limit: usize,
        /// `InvokeFunction` or `InvokeAsync`.
        operation: &'static str,
    },
    /// 400 `InvalidRequestContentException`: the payload is not JSON.
    #[error("Could not parse request body into json: {detail}")]
    InvalidPayload {
        /// The parser's message.
        detail: String,
    },
    /// 400 `InvalidRequestContentException`: `X-Amz-Client-Context` is not at most 3,583
    /// bytes of base64 of a JSON object.
    #[error("Client context must be a valid Base64-encoded JSON object ({detail})")]
    InvalidClientContext {
        /// What is wrong with it.
        detail: String,
    },
    /// 503 `ServiceException`: the runtime is shutting down.
    #[error("The runtime is shutting down")]
    ShuttingDown,
}

impl InvokeError {
    /// HTTP status code AWS uses for this error.
    pub fn status(&self) -> u16 {
        match self {
            InvokeError::UnknownFunction { .. } => 404,
            InvokeError::Throttled { .. } => 429,
            InvokeError::PayloadTooLarge { .. } => 413,
            InvokeError::InvalidPayload { .. } | InvokeError::InvalidClientContext { .. } => 400,
            InvokeError::ShuttingDown => 503,
        }
    }

    /// The `X-Amzn-ErrorType` header value (the exception name botocore raises).
    pub fn error_type(&self) -> &'static str {
        match self {
            InvokeError::UnknownFunction { .. } => "ResourceNotFoundException",
            InvokeError::Throttled { .. } => "TooManyRequestsException",
            InvokeError::PayloadTooLarge { .. } => "RequestEntityTooLargeException",
            InvokeError::InvalidPayload { .. } | InvokeError::InvalidClientContext { .. } => {
                "InvalidRequestContentException"
            }
            InvokeError::ShuttingDown => "ServiceException",
        }
    }

    /// The JSON body AWS sends with this error.
    pub fn body(&self) -> serde_json::Value {
        let message = self.to_string();
        match self {
            InvokeError::Throttled { reason } => {
                serde_json::json!({"Type": "User", "message": message, "Reason": reason})
            }
            InvokeError::UnknownFunction { .. } => {
                serde_json::json!({"Type": "User", "Message": message})
            }
            InvokeError::ShuttingDown => serde_json::json!({"Type": "Service", "message": message}),
            _ => serde_json::json!({"Type": "User", "message": message}),
        }
    }
}
