//! Generated identifiers. One seeded generator feeds every id, so a run started with the same
//! `--seed` and given the same requests produces the same ids and bodies.

use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Ids {
    rng: Mutex<StdRng>,
    requests: AtomicU64,
    admin_requests: AtomicU64,
    callbacks: AtomicU64,
}

const ALNUM_UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Ids {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            requests: AtomicU64::new(0),
            admin_requests: AtomicU64::new(0),
            callbacks: AtomicU64::new(0),
        }
    }

    pub fn request_id(&self) -> String {
        format!("req_{:08}", self.requests.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// A series of its own, so that admin calls leave the API's request ids consecutive.
    pub fn admin_request_id(&self) -> String {
        format!("adm_{:08}", self.admin_requests.fetch_add(1, Ordering::Relaxed) + 1)
    }

    pub fn callback_id(&self) -> String {
        format!("cb_{:08}", self.callbacks.fetch_add(1, Ordering::Relaxed) + 1)
    }

    pub fn digits(&self, len: usize) -> String {
        let mut rng = self.rng.lock();
        (0..len).map(|_| char::from(b'0' + rng.gen_range(0..10))).collect()
    }

    /// Upper-case letters and digits, the look of an M-Pesa receipt such as `QJ50A5ZZMI`.
    pub fn receipt(&self, len: usize) -> String {
        let mut rng = self.rng.lock();
        (0..len).map(|_| char::from(ALNUM_UPPER[rng.gen_range(0..ALNUM_UPPER.len())])).collect()
    }

    /// Letters and digits of both cases, the look of a v2 access token.
    pub fn token_text(&self, len: usize) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut rng = self.rng.lock();
        (0..len).map(|_| char::from(ALNUM[rng.gen_range(0..ALNUM.len())])).collect()
    }

    pub fn bytes(&self, len: usize) -> Vec<u8> {
        let mut rng = self.rng.lock();
        (0..len).map(|_| rng.gen()).collect()
    }

    /// A value in [0, 1), for retry jitter.
    pub fn unit(&self) -> f64 {
        self.rng.lock().gen()
    }
}
