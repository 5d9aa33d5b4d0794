//! Running one job per file on a pool of threads, delivering the results in
//! input order as soon as each is ready.
//!
//! Output must not depend on the number of threads, and memory must not
//! grow with the number of files: at most `window` results are in flight or
//! waiting to be delivered at any time, however long the batch.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::mpsc;

/// Runs `work` on every item with `jobs` threads and calls `deliver` with
/// each result, in the order of `items`.
///
/// Items are drawn from the iterator only as work starts, so a lazy
/// iterator (a directory walk) is never held whole. At most `window` items
/// are being worked on or waiting for delivery at once. `deliver` runs on
/// the calling thread; when it breaks, no further work starts and no
/// further result is delivered.
///
/// The calling thread is one of the `jobs`: it works on items itself
/// between deliveries, beside `jobs - 1` pool threads. A caller that only
/// waited for results would be a third thread competing for two cores,
/// woken once per file.
pub fn run_ordered<I, R, W, D>(items: I, jobs: usize, window: usize, work: W, mut deliver: D)
where
    I: IntoIterator,
    I::Item: Send,
    R: Send,
    W: Fn(I::Item) -> R + Sync,
    D: FnMut(usize, R) -> ControlFlow<()>,
{
    let jobs = jobs.max(1);
    let window = window.max(jobs);
    let mut items = items.into_iter().enumerate();
    let helpers = jobs - 1;
    let pool = if helpers == 0 { None } else { rayon::ThreadPoolBuilder::new().num_threads(helpers).build().ok() };
    let Some(pool) = pool else {
        // One thread (or threads could not be started): no pool, no channel.
        for (index, item) in items {
            if deliver(index, work(item)).is_break() {
                return;
            }
        }
        return;
    };
    // Enough queued work that a pool thread never waits for the caller,
    // which may be busy with an item of its own.
    let pool_queue = helpers * 4;
    pool.in_place_scope(|scope| {
        let (sender, receiver) = mpsc::channel::<(usize, R)>();
        let mut started = 0;
        let mut next_deliver = 0;
        let mut in_pool = 0;
        let mut exhausted = false;
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        let work = &work;
        loop {
            for (index, result) in receiver.try_iter() {
                in_pool -= 1;
                waiting.insert(index, result);
            }
            while let Some(result) = waiting.remove(&next_deliver) {
                next_deliver += 1;
                if deliver(next_deliver - 1, result).is_break() {
                    return;
                }
            }
            let may_start = !exhausted && started < next_deliver + window;
            let next = if may_start { items.next() } else { None };
            exhausted |= may_start && next.is_none();
            match next {
                Some((index, item)) if in_pool < pool_queue => {
                    let sender = sender.clone();
                    scope.spawn(move |_| {
                        let _ = sender.send((index, work(item)));
                    });
                    in_pool += 1;
                    started += 1;
                }
                Some((index, item)) => {
                    waiting.insert(index, work(item));
                    started += 1;
                }
                None if next_deliver == started => break,
                None => {
                    // The window is full, or everything has started: wait
                    // for the pool.
                    let Ok((index, result)) = receiver.recv() else { break };
                    in_pool -= 1;
                    waiting.insert(index, result);
                }
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
                items.iter().copied(),
                jobs,
                jobs * 2,
                |n| {
                    // Later items finish first.
                    std::thread::sleep(std::time::Duration::from_micros(200 - n));
                    n * 10
                },
                |index, result| {
                    seen.push((index, result));
                    ControlFlow::Continue(())
                },
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
            items.iter().copied(),
            4,
            6,
            |_| {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_micros(300));
                in_flight.fetch_sub(1, Ordering::SeqCst);
            },
            |_, ()| ControlFlow::Continue(()),
        );
        assert!(most.load(Ordering::SeqCst) <= 6);
    }

    #[test]
    fn a_break_stops_the_batch() {
        let items: Vec<u32> = (0..1000).collect();
        let started = AtomicUsize::new(0);
        let mut delivered = 0;
        run_ordered(
            items.iter().copied(),
            2,
            4,
            |_| {
                started.fetch_add(1, Ordering::SeqCst);
            },
            |index, ()| {
                delivered += 1;
                if index == 10 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            },
        );
        assert_eq!(delivered, 11);
        assert!(started.load(Ordering::SeqCst) <= 11 + 4);
    }

    #[test]
    fn items_are_drawn_only_as_work_starts() {
        // A directory walk is an iterator: it must not be drained up front.
        for jobs in [1, 3] {
            let drawn = AtomicUsize::new(0);
            let items = (0..10_000u32).inspect(|_| {
                drawn.fetch_add(1, Ordering::SeqCst);
            });
            let mut most_ahead = 0;
            run_ordered(
                items,
                jobs,
                8,
                |n| n,
                |index, _| {
                    most_ahead = most_ahead.max(drawn.load(Ordering::SeqCst) - index);
                    ControlFlow::Continue(())
                },
            );
            assert_eq!(drawn.load(Ordering::SeqCst), 10_000);
            assert!(most_ahead <= 8, "jobs {jobs}: {most_ahead} items drawn ahead of delivery");
        }
    }
}
