//! Helpers shared by the integration tests that need a reference server of their own.
// Each test binary compiles this module apart and uses only some of it.
#![allow(dead_code)]

pub mod external;
pub mod front;

use soconform_reference::{self as reference, Config, Fault, RunningServer};

/// The reference server (with `fault`, if any) on a runtime of its own, which must
/// outlive it: the suite's `execute` builds another.
pub struct Server {
    _rt: tokio::runtime::Runtime,
    pub server: RunningServer,
}

/// A remote target at `url` with the reference server's default credentials, no rate
/// limit and 16 exchanges in flight, every write endpoint allowed: how the tests point the
/// suite at a server they run (a live target's defaults are `Target::from_env`'s).
pub fn target(url: &str) -> soconform::target::Target {
    soconform::target::Target {
        base_url: Some(url.to_string()),
        credentials: reference::default_credentials(),
        limits: soconform::target::Limits {
            rps: 0,
            concurrency: 16,
            ..soconform::target::Limits::remote()
        },
        keep_created: false,
        fresh_groups: false,
        endpoints: vec![],
        allow_writes: vec!["*".into()],
    }
}

impl Server {
    pub fn start(fault: Option<Fault>) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let mut config = Config::with_defaults();
        config.fault = fault;
        let server = rt
            .block_on(reference::start(config, ([127, 0, 0, 1], 0).into()))
            .expect("server");
        Server { _rt: rt, server }
    }

    /// Stops the server now (its port then refuses connections).
    pub fn stop(self) {
        let Server { _rt: rt, server } = self;
        rt.block_on(server.shutdown());
    }
}

/// Copies a directory tree (a suite directory for a test to change).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}
