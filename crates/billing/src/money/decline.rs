//! Why a card company declined a charge, read from i'mport's `fail_reason`, and whether
//! trying again can help. One table ([`RULES`]) for the plan engine's dunning, the
//! triage queue and every screen that shows a decline.
//!
//! A **soft** decline may pass later (the balance, the limit, the network); a **hard**
//! one will not (the card is lost, stolen, expired, invalid or suspended): it is not
//! retried and goes to a person. A reason the table does not know is soft: one more
//! attempt on the plan's ladder costs little, and a person sees it in the history.
//!
//! PG messages come as `[code] text`, `(code) text` or plain text, in Korean or English,
//! and differ by PG; the rules match words, not codes. Hard rules are read first, so
//! "유효기간 오류로 한도 확인 불가" is hard.

use serde::{Deserialize, Serialize};

/// Whether trying again can help.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DeclineClass {
    Soft,
    Hard,
}

/// What a decline says, as screens name it (ko/en texts keyed by this).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DeclineKind {
    /// Not enough balance (check cards, prepaid).
    InsufficientFunds,
    /// Over the card's limit.
    OverLimit,
    /// The network, a timeout, the card company not answering.
    Network,
    /// Reported lost or stolen.
    LostOrStolen,
    /// Past its expiry, or the expiry given is wrong.
    Expired,
    /// Not a valid card (number wrong, closed, not usable for this).
    InvalidCard,
    /// Suspended or stopped by the card company.
    Suspended,
    /// Anything else (soft).
    Other,
}

impl DeclineKind {
    pub fn class(self) -> DeclineClass {
        match self {
            DeclineKind::LostOrStolen
            | DeclineKind::Expired
            | DeclineKind::InvalidCard
            | DeclineKind::Suspended => DeclineClass::Hard,
            DeclineKind::InsufficientFunds
            | DeclineKind::OverLimit
            | DeclineKind::Network
            | DeclineKind::Other => DeclineClass::Soft,
        }
    }
}

/// A decline as classified: what it is and whether to try again.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Decline {
    pub kind: DeclineKind,
    pub class: DeclineClass,
}

/// The table: words (compared without spaces, case-insensitive) and what they mean.
/// The line comes first (a timeout "while checking the card number" is not the card's
/// fault), then the hard kinds, then the rest.
pub const RULES: &[(&str, DeclineKind)] = &[
    // Soft: network, time.
    ("통신", DeclineKind::Network),
    ("시간초과", DeclineKind::Network),
    ("타임아웃", DeclineKind::Network),
    ("응답지연", DeclineKind::Network),
    ("승인지연", DeclineKind::Network),
    ("일시적", DeclineKind::Network),
    ("timeout", DeclineKind::Network),
    ("timedout", DeclineKind::Network),
    ("network", DeclineKind::Network),
    // Invalid: the number, a closed card, a card that cannot be used so (first:
    // "카드번호 또는 유효기간 오류" is about the number).
    ("카드번호", DeclineKind::InvalidCard),
    ("해지", DeclineKind::InvalidCard),
    ("탈회", DeclineKind::InvalidCard),
    ("유효하지않은카드", DeclineKind::InvalidCard),
    ("없는카드", DeclineKind::InvalidCard),
    ("사용불가카드", DeclineKind::InvalidCard),
    ("사용할수없는카드", DeclineKind::InvalidCard),
    ("invalidcard", DeclineKind::InvalidCard),
    ("invalidcardnumber", DeclineKind::InvalidCard),
    ("closedaccount", DeclineKind::InvalidCard),
    // Lost or stolen.
    ("분실", DeclineKind::LostOrStolen),
    ("도난", DeclineKind::LostOrStolen),
    ("lostcard", DeclineKind::LostOrStolen),
    ("stolen", DeclineKind::LostOrStolen),
    ("pickupcard", DeclineKind::LostOrStolen),
    // Expired or a wrong expiry.
    ("유효기간", DeclineKind::Expired),
    ("기간만료", DeclineKind::Expired),
    ("만료된카드", DeclineKind::Expired),
    // The card's expiry, never any "expired" (a session or a token expires too).
    ("expiredcard", DeclineKind::Expired),
    ("cardexpired", DeclineKind::Expired),
    ("cardhasexpired", DeclineKind::Expired),
    ("expirydate", DeclineKind::Expired),
    ("expirationdate", DeclineKind::Expired),
    ("invalidexpiry", DeclineKind::Expired),
    // Suspended, stopped.
    ("거래정지", DeclineKind::Suspended),
    ("사용정지", DeclineKind::Suspended),
    ("정지카드", DeclineKind::Suspended),
    ("정지된카드", DeclineKind::Suspended),
    ("정지회원", DeclineKind::Suspended),
    ("suspended", DeclineKind::Suspended),
    ("restrictedcard", DeclineKind::Suspended),
    // Soft: balance.
    ("잔액부족", DeclineKind::InsufficientFunds),
    ("잔액이부족", DeclineKind::InsufficientFunds),
    ("잔고부족", DeclineKind::InsufficientFunds),
    ("insufficient", DeclineKind::InsufficientFunds),
    // Soft: limit.
    ("한도초과", DeclineKind::OverLimit),
    ("한도를초과", DeclineKind::OverLimit),
    ("한도가초과", DeclineKind::OverLimit),
    ("한도부족", DeclineKind::OverLimit),
    ("limitexceeded", DeclineKind::OverLimit),
    ("overlimit", DeclineKind::OverLimit),
];

/// What a `fail_reason` says. `None` (no reason given) is a soft `other`.
pub fn classify(fail_reason: Option<&str>) -> Decline {
    let text: String = fail_reason
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    let kind = RULES
        .iter()
        .find(|(word, _)| text.contains(word))
        .map_or(DeclineKind::Other, |(_, k)| *k);
    Decline {
        kind,
        class: kind.class(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line's words first, then every hard kind, then the other soft ones: a
    /// timeout naming the card is soft, a card problem naming the limit is hard.
    #[test]
    fn network_rules_then_hard_rules_then_the_rest() {
        let mut stage = 0;
        for (word, k) in RULES {
            let now = match (k, k.class()) {
                (DeclineKind::Network, _) => 0,
                (_, DeclineClass::Hard) => 1,
                _ => 2,
            };
            assert!(now >= stage, "{word:?} ({k:?}) is out of order");
            stage = now;
        }
    }
}
