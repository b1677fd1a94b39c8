//! Ready-made worlds. `demo` is the app's demo mode: three team phones and
//! about 25 Tamil Nadu groups with 20 to 400 members each. Deterministic.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::api::{NewGroup, NewPhone};
use crate::error::{SimError, SimResult};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scenario {
    pub phones: Vec<NewPhone>,
    pub groups: Vec<NewGroup>,
}

/// `load_scenario("demo")` (also `"empty"`).
pub fn load_scenario(name: &str) -> SimResult<Scenario> {
    match name {
        "demo" => Ok(demo_scenario()),
        "empty" => Ok(Scenario { phones: Vec::new(), groups: Vec::new() }),
        other => Err(SimError::NotFound(format!("scenario {other:?} (known: demo, empty)"))),
    }
}

const TEAM: [(&str, &str); 3] =
    [("+919800000001", "Ravi Kumar"), ("+919800000002", "Priya Sundaram"), ("+919800000003", "Karthik Ramasamy")];

const GROUPS: [&str; 25] = [
    "Namakkal Poultry Farmers",
    "Namakkal Egg Traders Association",
    "Salem Mango Growers",
    "Salem Sago Merchants",
    "Erode Turmeric Growers",
    "Erode Handloom Weavers",
    "Coimbatore Pump Dealers",
    "Coimbatore Wet Grinder Makers",
    "Tiruppur Knitwear Exporters",
    "Karur Textile Traders",
    "Dharmapuri Tomato Farmers",
    "Krishnagiri Mango Pulp Units",
    "Madurai Jasmine Sellers",
    "Dindigul Lock Makers",
    "Theni Cardamom Planters",
    "Tiruchirappalli Banana Growers",
    "Thanjavur Paddy Farmers",
    "Pollachi Coconut Traders",
    "Vellore Leather Workers",
    "Hosur Auto Parts Suppliers",
    "Sivakasi Printers Forum",
    "Tirunelveli Halwa Shops",
    "Kanchipuram Silk Weavers",
    "Nilgiris Tea Smallholders",
    "Villupuram Groundnut Farmers",
];

/// Indexes of the demo groups where only admins may send (`announce`):
/// "Erode Handloom Weavers" and "Madurai Jasmine Sellers".
const ANNOUNCE_GROUPS: [usize; 2] = [5, 12];

/// Three team phones and 25 groups, two of them admins-only, the same on
/// every call (seeded).
pub fn demo_scenario() -> Scenario {
    let mut rng = StdRng::seed_from_u64(2026);
    // A population bigger than any group, so that people overlap across groups.
    let population: Vec<String> = (0..2_500)
        .map(|i| {
            if i % 10 == 3 {
                format!("lid:{}", rng.gen_range(100_000_000_000_000u64..300_000_000_000_000u64))
            } else {
                let first = [6u64, 7, 8, 9][rng.gen_range(0..4)];
                format!("+91{}{:09}", first, rng.gen_range(0..1_000_000_000u64))
            }
        })
        .collect();
    let phones = TEAM.iter().map(|(p, n)| NewPhone { phone: (*p).to_owned(), name: (*n).to_owned() }).collect();
    let groups = GROUPS
        .iter()
        .enumerate()
        .map(|(i, subject)| {
            let size = if i % 7 == 0 { rng.gen_range(250..=400) } else { rng.gen_range(20..=180) };
            let participants: Vec<String> = population.choose_multiple(&mut rng, size).cloned().collect();
            let admins: Vec<String> =
                participants.iter().filter(|p| p.starts_with('+')).take(rng.gen_range(1..=3)).cloned().collect();
            let mut members_of = vec![TEAM[i % 3].0.to_owned()];
            if i % 4 == 0 {
                members_of.push(TEAM[(i + 1) % 3].0.to_owned());
            }
            NewGroup {
                subject: (*subject).to_owned(),
                desc: Some(format!("{subject}: prices, news and meetings. Tamil and English.")),
                participants,
                admins,
                members_of,
                lid_addressing: None,
                // A couple of admins-only groups (only admins may send).
                announce: ANNOUNCE_GROUPS.contains(&i),
                restrict: ANNOUNCE_GROUPS.contains(&i),
            }
        })
        .collect();
    Scenario { phones, groups }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_and_believable() {
        let a = demo_scenario();
        let b = demo_scenario();
        assert_eq!(serde_json::to_string(&a.groups).ok(), serde_json::to_string(&b.groups).ok());
        assert_eq!(a.phones.len(), 3);
        assert_eq!(a.groups.len(), 25);
        let total: usize = a.groups.iter().map(|g| g.participants.len()).sum();
        let lids: usize = a.groups.iter().flat_map(|g| &g.participants).filter(|p| p.starts_with("lid:")).count();
        assert!(a.groups.iter().all(|g| (20..=400).contains(&g.participants.len())));
        assert!(lids * 100 / total >= 5 && lids * 100 / total <= 15, "lids {lids} of {total}");
        let mut seen = std::collections::HashMap::new();
        for p in a.groups.iter().flat_map(|g| &g.participants) {
            *seen.entry(p).or_insert(0) += 1;
        }
        assert!(seen.values().any(|n| *n > 1), "someone is in several groups");
        let announce: Vec<&str> = a.groups.iter().filter(|g| g.announce).map(|g| g.subject.as_str()).collect();
        assert_eq!(announce, ["Erode Handloom Weavers", "Madurai Jasmine Sellers"]);
    }
}
