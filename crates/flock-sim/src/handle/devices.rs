//! Linked devices carried from one simulator run to the next (the app's
//! demo mode): the simulator keeps its world in memory, so a login stored
//! in a browser profile means nothing to a fresh run and the account would
//! come back `logged_out`. The app saves the devices after a link and gives
//! them back before the accounts restore, as WhatsApp's servers remember a
//! linked device.

use serde::{Deserialize, Serialize};

use super::SimHandle;
use crate::world::Device;

/// One linked device: the login token its page stores, and whose phone it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedDevice {
    pub token: String,
    /// The phone's number, digits only.
    pub digits: String,
    pub device: u32,
}

impl SimHandle {
    /// Every device linked now (logged-out ones are gone).
    pub fn linked_devices(&self) -> Vec<LinkedDevice> {
        let w = self.shared.lock();
        let mut out: Vec<LinkedDevice> = w
            .devices
            .iter()
            .map(|(token, d)| LinkedDevice { token: token.clone(), digits: d.digits.clone(), device: d.device })
            .collect();
        out.sort_by(|a, b| (&a.digits, a.device).cmp(&(&b.digits, b.device)));
        out
    }

    /// Links `devices` again; a device of a phone this run does not have is
    /// skipped. Returns how many were restored.
    pub fn restore_devices(&self, devices: &[LinkedDevice]) -> usize {
        let mut w = self.shared.lock();
        let mut n = 0;
        for d in devices {
            let Some(phone) = w.phones.get_mut(&d.digits) else { continue };
            phone.next_device = phone.next_device.max(d.device + 1);
            let device = Device { digits: d.digits.clone(), device: d.device, known_lids: Default::default() };
            w.devices.insert(d.token.clone(), device);
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SimConfig, Simulator};

    #[tokio::test]
    async fn devices_come_back_for_the_phones_this_run_has() {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        sim.add_phone("+919800000001", "Ravi").await.unwrap();
        let saved = vec![
            LinkedDevice { token: "tok-1".into(), digits: "919800000001".into(), device: 4 },
            LinkedDevice { token: "tok-2".into(), digits: "919811111111".into(), device: 2 },
        ];
        assert_eq!(sim.restore_devices(&saved), 1, "the unknown phone's device is skipped");
        assert_eq!(sim.linked_devices(), saved[..1]);
        assert_eq!(sim.phones().await[0].linked_devices, 1);
        // A later link gets a device number of its own.
        assert!(sim.shared.lock().phones["919800000001"].next_device >= 5);
        sim.shutdown().await.unwrap();
    }
}
