//! Finding a cycle in a chain of `@odata.nextLink`s with one URL of memory.

use url::Url;

/// Brent's cycle detection over the URLs of one listing, in the order they
/// are requested. It holds one URL (saved at steps 1, 2, 4, 8, ...), so
/// memory stays flat however long the listing is; a chain that loops
/// (A → B → A) is found within about twice the length of the loop plus the
/// pages before it, and a chain that does not loop is never refused.
#[derive(Debug)]
pub(crate) struct CycleCheck {
    saved: Option<Url>,
    power: u64,
    steps: u64,
}

impl CycleCheck {
    /// Nothing seen yet.
    pub(crate) fn new() -> CycleCheck {
        CycleCheck {
            saved: None,
            power: 1,
            steps: 0,
        }
    }

    /// Records the next URL of the chain; false when it closes a cycle.
    pub(crate) fn visit(&mut self, url: &Url) -> bool {
        if self.saved.as_ref() == Some(url) {
            return false;
        }
        self.steps += 1;
        if self.saved.is_none() || self.steps >= self.power {
            self.saved = Some(url.clone());
            self.power = self.power.saturating_mul(2);
            self.steps = 0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(i: u64) -> Url {
        Url::parse(&format!(
            "https://graph.microsoft.com/v1.0/users?$skiptoken={i}"
        ))
        .unwrap()
    }

    /// The number of visits until the cycle is found, for a chain of
    /// `lead` distinct pages followed by a loop of `length` pages.
    fn visits_until_found(lead: u64, length: u64) -> u64 {
        let mut check = CycleCheck::new();
        let mut visits = 0;
        for step in 0.. {
            let page = if step < lead {
                step
            } else {
                lead + (step - lead) % length
            };
            visits += 1;
            if !check.visit(&url(page)) {
                return visits;
            }
            assert!(visits < 10_000, "no cycle found");
        }
        unreachable!()
    }

    #[test]
    fn finds_every_cycle_within_a_bound() {
        // A -> B -> A: A is held, so its second request is refused.
        assert_eq!(visits_until_found(0, 2), 3);
        assert_eq!(visits_until_found(0, 1), 2);
        for lead in 0..40 {
            for length in 1..40 {
                let visits = visits_until_found(lead, length);
                // The URL held is replaced at visits 1, 3, 7, 15, ...: the
                // first one held inside the loop with a window as long as the loop finds it.
                assert!(
                    visits <= 2 * (lead + 2).max(length) + length,
                    "lead {lead}, loop {length}: {visits}"
                );
            }
        }
    }

    #[test]
    fn a_chain_without_a_cycle_passes() {
        let mut check = CycleCheck::new();
        assert!((0..5_000).all(|i| check.visit(&url(i))));
    }
}
