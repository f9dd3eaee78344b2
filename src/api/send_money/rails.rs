//! The send-money rails: what sets each apart (its operation, path, destination rules, maximum,
//! conversion and refusal codes), and which domestic rail each IMT variant follows.

use super::{
    SEND_EFT, SEND_MOBILE_WALLET, SEND_MOBILE_WALLET_IMT, SEND_PESALINK_BANK, SEND_PESALINK_BANK_IMT,
    SEND_PESALINK_MOBILE, SEND_PESALINK_MOBILE_IMT, SEND_RTGS, SEND_SWIFT, SEND_WITHIN_EQUITY, SEND_WITHIN_EQUITY_IMT,
};
use crate::ledger::Conversion;
use crate::money::Cents;
use crate::operation::Operation;
use crate::settlement::Refusals;

/// What sets one rail apart from the others.
pub struct Rail {
    pub op: &'static Operation,
    /// Path under `/v3-apis/transaction-api/v3.0/remittance/`.
    pub path: &'static str,
    pub destination_type: &'static str,
    /// `transfer.type` values clients send for this rail.
    pub transfer_types: &'static [&'static str],
    /// The `transfer.type` that picks this rail on the one v2 remittance path (with `destination_type`).
    pub v2_type: &'static str,
    /// Served under the v3 path too (EFT exists only in v2).
    pub v3: bool,
    /// Destination fields the rail needs besides `type`, `countryCode` and `name`; `a|b` accepts
    /// either (the first is documented).
    pub destination_fields: &'static [&'static str],
    /// None: any country (SWIFT goes abroad).
    pub destination_countries: Option<&'static [&'static str]>,
    pub wallets: &'static [&'static str],
    pub maximum: Option<Maximum>,
    /// What an own account in another currency than the transfer's gets.
    pub conversion: Conversion,
    /// The codes for what the ledger refuses. An amount it cannot take (a currency it will not
    /// convert, a credit past the largest balance) gets the rail's own "invalid amount" code
    /// where its table has one (RTGS 103107, PesaLink 100124); the general error where it has none.
    pub refusals: Refusals,
}

/// The largest amount a rail takes, and the code answering above it.
pub struct Maximum {
    pub amount: Cents,
    pub code: i64,
}

/// USD 20.00 (reference §6.4), converted into the transfer's currency at the fixture rate.
pub(super) const SWIFT_SELF_CHARGE: Cents = Cents::from_cents(2_000);

pub(super) const EQUITY_COUNTRIES: &[&str] = &["KE", "UG", "TZ", "RW", "DRC", "SS"];

pub static RAILS: &[Rail] = &[
    Rail {
        op: &SEND_WITHIN_EQUITY,
        path: "internalBankTransfer",
        destination_type: "bank",
        // `InternalFundsTransfer` in the v2 docs and UAT examples; the v3 API Explorer shows `EFT`.
        transfer_types: &["InternalFundsTransfer", "EFT"],
        v2_type: "InternalFundsTransfer",
        v3: true,
        destination_fields: &["destination.accountNumber"],
        destination_countries: Some(EQUITY_COUNTRIES),
        wallets: &[],
        maximum: Some(Maximum { amount: Cents::from_cents(999_999 * 100), code: 118110 }),
        conversion: Conversion::AtFixtureRate,
        refusals: Refusals {
            insufficient_funds: 400104,
            unknown_account: None,
            daily_limit: 400113,
            invalid_amount: 400105,
        },
    },
    Rail {
        op: &SEND_MOBILE_WALLET,
        path: "sendmobile",
        destination_type: "mobile",
        transfer_types: &["MobileWallet"],
        v2_type: "MobileWallet",
        v3: true,
        destination_fields: &["destination.mobileNumber", "destination.walletName"],
        destination_countries: Some(&["KE", "UG", "TZ", "RW"]),
        wallets: &["Mpesa", "Airtel", "Equitel"],
        maximum: Some(Maximum { amount: Cents::from_cents(70_000 * 100), code: 105158 }),
        conversion: Conversion::Refuse,
        refusals: Refusals {
            insufficient_funds: 400104,
            unknown_account: None,
            daily_limit: 400113,
            invalid_amount: 400105,
        },
    },
    Rail {
        op: &SEND_RTGS,
        path: "rtgs",
        destination_type: "bank",
        transfer_types: &["RTGS"],
        v2_type: "RTGS",
        v3: true,
        destination_fields: &["destination.bankCode", "destination.accountNumber"],
        destination_countries: Some(EQUITY_COUNTRIES),
        wallets: &[],
        maximum: None,
        conversion: Conversion::Refuse,
        refusals: Refusals {
            insufficient_funds: 103104,
            unknown_account: None,
            daily_limit: 103105,
            invalid_amount: 103107,
        },
    },
    Rail {
        op: &SEND_SWIFT,
        path: "swift",
        destination_type: "bank",
        transfer_types: &["SWIFT"],
        v2_type: "SWIFT",
        v3: true,
        destination_fields: &["destination.bankBic", "destination.accountNumber"],
        destination_countries: None,
        wallets: &[],
        maximum: None,
        conversion: Conversion::AtFixtureRate,
        refusals: Refusals {
            insufficient_funds: 103104,
            unknown_account: None,
            daily_limit: 103105,
            invalid_amount: 103107,
        },
    },
    Rail {
        op: &SEND_PESALINK_BANK,
        path: "pesalinkacc",
        destination_type: "bank",
        transfer_types: &["PesaLink"],
        v2_type: "PesaLink",
        v3: true,
        destination_fields: &["destination.bankCode", "destination.accountNumber"],
        destination_countries: Some(&["KE"]),
        wallets: &[],
        maximum: None,
        conversion: Conversion::Refuse,
        refusals: Refusals {
            insufficient_funds: 400104,
            unknown_account: None,
            daily_limit: 400113,
            invalid_amount: 100124,
        },
    },
    Rail {
        op: &SEND_PESALINK_MOBILE,
        path: "pesalinkMobile",
        destination_type: "mobile",
        transfer_types: &["PesaLink"],
        v2_type: "PesaLink",
        v3: true,
        // One SDK's type carries the number in `accountNumber`.
        destination_fields: &["destination.bankCode", "destination.mobileNumber|destination.accountNumber"],
        destination_countries: Some(&["KE"]),
        wallets: &[],
        maximum: None,
        conversion: Conversion::Refuse,
        refusals: Refusals {
            insufficient_funds: 400104,
            unknown_account: None,
            daily_limit: 400113,
            invalid_amount: 100124,
        },
    },
    Rail {
        op: &SEND_EFT,
        path: "eft",
        destination_type: "bank",
        transfer_types: &["EFT"],
        v2_type: "EFT",
        v3: false,
        destination_fields: &["destination.bankCode", "destination.accountNumber"],
        destination_countries: Some(EQUITY_COUNTRIES),
        wallets: &[],
        maximum: None,
        conversion: Conversion::Refuse,
        refusals: Refusals {
            insufficient_funds: 103104,
            unknown_account: None,
            daily_limit: 103105,
            invalid_amount: 103107,
        },
    },
];

/// An IMT variant (`remittance/{rail}/imt`): the rules of a domestic rail, plus the sender's and
/// recipient's documents.
pub(crate) struct Imt {
    pub op: &'static Operation,
    /// The index in `RAILS` of the domestic rail it follows.
    following: usize,
}

impl Imt {
    pub(crate) fn domestic(&self) -> &'static Rail {
        &RAILS[self.following]
    }
}

pub(crate) static IMT: &[Imt] = &[
    Imt { op: &SEND_WITHIN_EQUITY_IMT, following: 0 },
    Imt { op: &SEND_MOBILE_WALLET_IMT, following: 1 },
    Imt { op: &SEND_PESALINK_BANK_IMT, following: 4 },
    Imt { op: &SEND_PESALINK_MOBILE_IMT, following: 5 },
];
