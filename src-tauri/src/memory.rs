//! How many heaps the app's malloc keeps. glibc gives each thread that allocates an arena
//! of its own (up to eight per core) and keeps the pages a big answer freed (a page of a
//! million-row list, a report) inside it instead of returning them: after a session on the
//! 1,000,000-payment store the app held about 280 MB of such heaps. Two arenas are enough
//! for the UI thread and a command at once, and bring that down by about 60 MB (measured
//! with `scripts/bench-webview.sh`, see the README).
//!
//! glibc reads the limit from the environment before `main` runs, and setting it from
//! inside takes unsafe code (`mallopt`, which the workspace forbids). So the app starts
//! itself again at once with `MALLOC_ARENA_MAX` set: the same process (`exec` keeps its
//! id), arguments and environment, before any window or thread exists. The WebKit
//! processes it starts inherit the limit.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

/// glibc's variable for the arena limit.
pub const ARENA_ENV: &str = "MALLOC_ARENA_MAX";
/// The limit the app runs with.
pub const ARENAS: &str = "2";

/// The command that starts the app again with the arena limit, or None when the
/// environment already names a limit (set by the user, or by the first start).
pub fn restart_command(
    exe: PathBuf,
    mut args: impl Iterator<Item = OsString>,
    arena_env: Option<OsString>,
) -> Option<Command> {
    if arena_env.is_some() {
        return None;
    }
    let mut cmd = Command::new(exe);
    if let Some(arg0) = args.next() {
        #[cfg(unix)]
        std::os::unix::process::CommandExt::arg0(&mut cmd, arg0);
    }
    cmd.args(args).env(ARENA_ENV, ARENAS);
    Some(cmd)
}

/// Starts the app again with the arena limit, unless it has one (glibc on Linux only).
/// Returns only if no restart was needed or it could not be made (then the app runs as it
/// is, with glibc's default arenas).
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        if let Some(mut cmd) =
            restart_command(exe, std::env::args_os(), std::env::var_os(ARENA_ENV))
        {
            let e = std::os::unix::process::CommandExt::exec(&mut cmd);
            eprintln!("Subdesk runs with malloc's default arenas: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_restarts_once_with_two_arenas_and_its_own_arguments() {
        let args = ["subdesk", "--flag", "x"].map(OsString::from);
        let cmd = restart_command(
            PathBuf::from("/opt/subdesk"),
            args.clone().into_iter(),
            None,
        )
        .expect("no limit yet: a restart");
        assert_eq!(cmd.get_program(), "/opt/subdesk");
        assert_eq!(cmd.get_args().collect::<Vec<_>>(), ["--flag", "x"]);
        assert_eq!(
            cmd.get_envs().collect::<Vec<_>>(),
            [(
                std::ffi::OsStr::new(ARENA_ENV),
                Some(std::ffi::OsStr::new("2"))
            )]
        );
        // Started again (or a limit the user chose): no second restart.
        let again = restart_command(
            PathBuf::from("/opt/subdesk"),
            args.into_iter(),
            Some(OsString::from("8")),
        );
        assert!(again.is_none());
    }
}
