//! The app's memory allocator: jemalloc, in place of glibc's malloc, for the whole process
//! (Rust, the bundled SQLite, GTK and WebKit's side of the app all allocate through it).
//!
//! glibc keeps the pages a big answer freed (a page of a million-row list, a report, an
//! export's buffers) inside its arenas instead of returning them: after a session on the
//! 1,000,000-payment store the app held about 250 MB of such heaps while using far less.
//! Limiting the arenas (`MALLOC_ARENA_MAX=2`, which needed the app to start itself again
//! before `main`) won back only 60 MB and cost 0.1–0.17 s at every start. jemalloc returns
//! freed pages on a timer from a background thread of its own, even when the thread that
//! freed them has gone idle. Its settings are compiled in (`.cargo/config.toml`,
//! `JEMALLOC_SYS_WITH_MALLOC_CONF`): freed pages go back to the system after a second.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use std::time::{Duration, Instant};

    /// What jemalloc keeps from the system, in bytes (refreshed by advancing its epoch).
    fn resident() -> usize {
        tikv_jemalloc_ctl::epoch::advance().expect("jemalloc answers");
        tikv_jemalloc_ctl::stats::resident::read().expect("jemalloc's figures")
    }

    #[test]
    fn the_allocator_is_jemalloc_with_its_purging_thread() {
        assert!(
            tikv_jemalloc_ctl::opt::background_thread::read().expect("jemalloc answers"),
            "the compiled-in settings (.cargo/config.toml) are in force"
        );
    }

    /// A burst of small allocations, as a big answer makes, freed: the pages go back to
    /// the system without the freeing thread doing anything more (the background thread
    /// purges them). With glibc, or with purging off, `resident` stays up.
    #[test]
    fn memory_freed_after_a_burst_goes_back_to_the_system() {
        const BURST: usize = 256 << 20;
        let before = resident();
        let burst: Vec<Vec<u8>> = (0..BURST / 4096).map(|i| vec![i as u8; 4096]).collect();
        let during = resident();
        assert!(
            during >= before + BURST / 2,
            "the burst is resident: {before} → {during}"
        );
        drop(burst);
        // Not a timing goal: a deadline far past the one-second decay, for a loaded machine.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut after = resident();
        while after > before + BURST / 4 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            after = resident();
        }
        assert!(
            after <= before + BURST / 4,
            "freed pages kept: {} MB resident before, {} MB during, {} MB after",
            before >> 20,
            during >> 20,
            after >> 20
        );
    }
}
