//! Running one job per file on a pool of threads, delivering the results in
//! input order as soon as each is ready.
//!
//! Output must not depend on the number of threads, and memory must not
//! grow with the number of files: at most `window` results are in flight or
//! waiting to be delivered at any time, however long the batch.

use std::collections::BTreeMap;
use std::sync::mpsc;

/// Runs `work` on every item with `jobs` threads and calls `deliver` with
/// each result, in the order of `items`.
///
/// At most `window` items are being worked on or waiting for delivery at
/// once. `deliver` runs on the calling thread.
pub fn run_ordered<T, R, W, D>(items: &[T], jobs: usize, window: usize, work: W, mut deliver: D)
where
    T: Sync,
    R: Send,
    W: Fn(&T) -> R + Sync,
    D: FnMut(usize, R),
{
    let jobs = jobs.max(1);
    let window = window.max(jobs);
    if jobs == 1 {
        // No pool, no channel: the simplest path for a single thread.
        for (index, item) in items.iter().enumerate() {
            deliver(index, work(item));
        }
        return;
    }
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool,
        Err(_) => {
            // Threads could not be started: do the work here instead.
            for (index, item) in items.iter().enumerate() {
                deliver(index, work(item));
            }
            return;
        }
    };
    pool.in_place_scope(|scope| {
        let (sender, receiver) = mpsc::channel::<(usize, R)>();
        let mut next_start = 0;
        let mut next_deliver = 0;
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        let work = &work;
        while next_deliver < items.len() {
            while next_start < items.len() && next_start < next_deliver + window {
                let sender = sender.clone();
                let index = next_start;
                let item = &items[index];
                scope.spawn(move |_| {
                    let _ = sender.send((index, work(item)));
                });
                next_start += 1;
            }
            let Ok((index, result)) = receiver.recv() else { break };
            waiting.insert(index, result);
            while let Some(result) = waiting.remove(&next_deliver) {
                deliver(next_deliver, result);
                next_deliver += 1;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_come_in_input_order_whatever_the_threads() {
        let items: Vec<u64> = (0..200).collect();
        for jobs in [1, 2, 4, 8] {
            let mut seen = Vec::new();
            run_ordered(
                &items,
                jobs,
                jobs * 2,
                |n| {
                    // Later items finish first.
                    std::thread::sleep(std::time::Duration::from_micros(200 - n));
                    n * 10
                },
                |index, result| seen.push((index, result)),
            );
            let expected: Vec<(usize, u64)> = items.iter().map(|&n| (n as usize, n * 10)).collect();
            assert_eq!(seen, expected, "jobs {jobs}");
        }
    }

    #[test]
    fn no_more_than_the_window_is_in_flight() {
        let items: Vec<u32> = (0..100).collect();
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        run_ordered(
            &items,
            4,
            6,
            |_| {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_micros(300));
                in_flight.fetch_sub(1, Ordering::SeqCst);
            },
            |_, ()| {},
        );
        assert!(most.load(Ordering::SeqCst) <= 6);
    }
}
