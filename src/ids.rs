//! Generated identifiers. Each merchant's ids come from a series of its own, seeded from
//! `--seed` and the merchant's code, so a run started with the same seed and given the same
//! requests produces the same ids and bodies, and one merchant's traffic (a parallel test
//! worker's) never changes another's ids. Requests that belong to no merchant, and the admin
//! API, use a shared series.

use parking_lot::{Mutex, RwLock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub(crate) struct Ids {
    seed: u64,
    shared: Arc<Series>,
    merchants: RwLock<HashMap<String, Arc<Series>>>,
    admin_requests: AtomicU64,
}

/// One series of ids: a seeded generator and counters.
pub struct Series {
    /// Put after `req_` and `cb_`, so that every merchant's counted ids are distinct: the
    /// merchant's code and `_`, or nothing for the shared series.
    prefix: String,
    rng: Mutex<StdRng>,
    requests: AtomicU64,
    callbacks: AtomicU64,
}

const ALNUM_UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Ids {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            seed,
            shared: Arc::new(Series::new(String::new(), StdRng::seed_from_u64(seed))),
            merchants: RwLock::default(),
            admin_requests: AtomicU64::new(0),
        }
    }

    /// The series of requests that belong to no merchant (before authentication, or refused by it).
    pub(crate) fn shared(&self) -> &Arc<Series> {
        &self.shared
    }

    /// `merchant`'s series, seeded from the seed and its code.
    pub(crate) fn of(&self, merchant: &str) -> Arc<Series> {
        if let Some(series) = self.merchants.read().get(merchant) {
            return series.clone();
        }
        let mut merchants = self.merchants.write();
        let seed = Sha256::new().chain_update(self.seed.to_le_bytes()).chain_update(merchant.as_bytes()).finalize();
        merchants
            .entry(merchant.to_string())
            .or_insert_with(|| Arc::new(Series::new(format!("{merchant}_"), StdRng::from_seed(seed.into()))))
            .clone()
    }

    /// A series of its own, so that admin calls leave the API's request ids consecutive.
    pub(crate) fn admin_request_id(&self) -> String {
        format!("adm_{:08}", self.admin_requests.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// A value in [0, 1), for retry jitter (from the shared series: it times, it names nothing).
    pub(crate) fn unit(&self) -> f64 {
        self.shared.rng.lock().gen()
    }
}

impl Series {
    fn new(prefix: String, rng: StdRng) -> Self {
        Self { prefix, rng: Mutex::new(rng), requests: AtomicU64::new(0), callbacks: AtomicU64::new(0) }
    }

    pub fn request_id(&self) -> String {
        format!("req_{}{:08}", self.prefix, self.requests.fetch_add(1, Ordering::Relaxed) + 1)
    }

    pub fn callback_id(&self) -> String {
        format!("cb_{}{:08}", self.prefix, self.callbacks.fetch_add(1, Ordering::Relaxed) + 1)
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
}

#[cfg(test)]
mod tests {
    use super::Ids;

    #[test]
    fn a_merchants_ids_depend_on_the_seed_and_its_code_and_not_on_other_merchants_traffic() {
        let alone = Ids::new(7);
        let first_alone = (alone.of("A").digits(12), alone.of("A").callback_id());
        let interleaved = Ids::new(7);
        interleaved.of("B").digits(40);
        interleaved.of("B").callback_id();
        let first_interleaved = (interleaved.of("A").digits(12), interleaved.of("A").callback_id());
        assert_eq!(first_alone, first_interleaved);
        assert_eq!(first_alone.1, "cb_A_00000001");
        assert_ne!(Ids::new(8).of("A").digits(12), first_alone.0);
        assert_ne!(Ids::new(7).of("B").digits(12), first_alone.0);
    }
}
