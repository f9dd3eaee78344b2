//! Send money (reference §6): every rail is a row of `RAILS`, and one validator and one executor
//! serve them all. A transfer debits the source account on the ledger (crediting a destination
//! that is one of the merchant's own accounts).

use crate::catalogue::Family;
use crate::envelope::Generation;
use crate::fields::{self, Check};
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Input, Spec};
use crate::signature::Formula;
use actix_web::http::Method;
use actix_web::HttpRequest;
use serde_json::Value;
use std::collections::BTreeMap;

mod rails;
mod transfer;

use rails::EQUITY_COUNTRIES;
pub(crate) use rails::{Imt, IMT};
pub use rails::{Rail, RAILS};
use transfer::execute;

pub static SEND_WITHIN_EQUITY: Operation = Operation {
    id: "send_within_equity",
    title: "Send money within Equity",
    families: &[Family::SendWithinEquity, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "doc",
        fields: &["source.accountNumber", "transfer.amount", "transfer.currencyCode", "transfer.reference"],
    }],
};

/// RTGS and SWIFT sign the same fields (reference §3.2).
const RTGS_SWIFT_FORMULA: &[Formula] = &[Formula {
    name: "doc",
    fields: &[
        "transfer.reference",
        "transfer.date",
        "source.accountNumber",
        "destination.accountNumber",
        "transfer.amount",
    ],
}];

/// Both PesaLink rails sign the same fields (reference §3.2).
const PESALINK_FORMULA: &[Formula] = &[Formula {
    name: "doc",
    fields: &[
        "transfer.amount",
        "transfer.currencyCode",
        "transfer.reference",
        "destination.name",
        "source.accountNumber",
    ],
}];

pub static SEND_RTGS: Operation = Operation {
    id: "send_rtgs",
    title: "Send money by RTGS",
    families: &[Family::Rtgs, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: RTGS_SWIFT_FORMULA,
};

pub static SEND_SWIFT: Operation = Operation {
    id: "send_swift",
    title: "Send money by SWIFT",
    families: &[Family::Rtgs, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: RTGS_SWIFT_FORMULA,
};

pub static SEND_PESALINK_BANK: Operation = Operation {
    id: "send_pesalink_bank",
    title: "Send money by PesaLink to a bank account",
    families: &[Family::Pesalink, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: PESALINK_FORMULA,
};

pub static SEND_PESALINK_MOBILE: Operation = Operation {
    id: "send_pesalink_mobile",
    title: "Send money by PesaLink to a mobile number",
    families: &[Family::Pesalink, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: PESALINK_FORMULA,
};

pub static SEND_MOBILE_WALLET: Operation = Operation {
    id: "send_mobile_wallet",
    title: "Send money to a mobile wallet (M-Pesa, Airtel, Equitel)",
    families: &[Family::SendMobileWallet, Family::SendWithinEquity, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    // The v3 doc has one formula; the v2 doc (and one SDK) sign Equitel wallets in another order.
    signature: &[
        Formula {
            name: "doc",
            fields: &["transfer.amount", "transfer.currencyCode", "transfer.reference", "source.accountNumber"],
        },
        Formula {
            name: "equitel",
            fields: &["source.accountNumber", "transfer.amount", "transfer.currencyCode", "transfer.reference"],
        },
    ],
};

/// v2 only: `transfer.type` "EFT" on the one v2 remittance path.
pub static SEND_EFT: Operation = Operation {
    id: "send_eft",
    title: "Send money by EFT (v2)",
    families: &[Family::Rtgs, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "v2-doc",
        fields: &[
            "transfer.reference",
            "source.accountNumber",
            "destination.accountNumber",
            "transfer.amount",
            "destination.bankCode",
        ],
    }],
};

pub static SEND_WITHIN_EQUITY_IMT: Operation = Operation {
    id: "send_within_equity_imt",
    title: "International money transfer within Equity",
    ..SEND_WITHIN_EQUITY
};

pub static SEND_MOBILE_WALLET_IMT: Operation = Operation {
    id: "send_mobile_wallet_imt",
    title: "International money transfer to a mobile wallet",
    ..SEND_MOBILE_WALLET
};

pub static SEND_PESALINK_BANK_IMT: Operation = Operation {
    id: "send_pesalink_bank_imt",
    title: "International money transfer by PesaLink to a bank account",
    ..SEND_PESALINK_BANK
};

pub static SEND_PESALINK_MOBILE_IMT: Operation = Operation {
    id: "send_pesalink_mobile_imt",
    title: "International money transfer by PesaLink to a mobile number",
    ..SEND_PESALINK_MOBILE
};

fn rail_of(op: &Operation) -> &'static Rail {
    let domestic = IMT.iter().find(|imt| std::ptr::eq(imt.op, op)).map(Imt::domestic);
    domestic.or_else(|| RAILS.iter().find(|r| std::ptr::eq(r.op, op))).expect("every send-money operation has a rail")
}

macro_rules! rail_specs {
    ($($index:literal => $name:ident),* ; $($imt:literal => $imt_name:ident),*) => {
        $(
            fn $name(body: &mut Value, variants: &mut BTreeMap<String, String>) -> Result<(), String> {
                validate(&RAILS[$index], false, body, variants)
            }
        )*
        $(
            fn $imt_name(body: &mut Value, variants: &mut BTreeMap<String, String>) -> Result<(), String> {
                validate(IMT[$imt].domestic(), true, body, variants)
            }
        )*
        pub(crate) static SPECS: &[Spec] = &[$(Spec { op: RAILS[$index].op, input: Input::Body, validate: $name, execute }),*];
        pub(crate) static IMT_SPECS: &[Spec] = &[$(Spec { op: IMT[$imt].op, input: Input::Body, validate: $imt_name, execute }),*];
    };
}

rail_specs!(0 => validate_within_equity, 1 => validate_mobile, 2 => validate_rtgs, 3 => validate_swift,
            4 => validate_pesalink_bank, 5 => validate_pesalink_mobile, 6 => validate_eft;
            0 => validate_within_equity_imt, 1 => validate_mobile_imt, 2 => validate_pesalink_bank_imt,
            3 => validate_pesalink_mobile_imt);

pub(crate) static FAMILY: super::OperationFamily = super::OperationFamily {
    operations: &[
        &SEND_WITHIN_EQUITY,
        &SEND_RTGS,
        &SEND_SWIFT,
        &SEND_PESALINK_BANK,
        &SEND_PESALINK_MOBILE,
        &SEND_MOBILE_WALLET,
        &SEND_EFT,
        &SEND_WITHIN_EQUITY_IMT,
        &SEND_MOBILE_WALLET_IMT,
        &SEND_PESALINK_BANK_IMT,
        &SEND_PESALINK_MOBILE_IMT,
    ],
    configure,
};

fn configure(routes: &mut super::Routes) {
    let v3 = "/v3-apis/transaction-api/v3.0/remittance/{rail}";
    routes.add(Generation::V3, Method::POST, v3, serves(false));
    routes.add(Generation::V3, Method::POST, &format!("{v3}/imt"), serves(true));
    // v2 posts every rail to one path; `transfer.type` (and, for PesaLink, `destination.type`)
    // picks it.
    for path in super::v2_paths("transaction", "remittance") {
        let specs = SPECS.iter().map(super::Served::unnamed).collect();
        routes.add(
            Generation::V2,
            Method::POST,
            &path,
            super::Serves { picked_by: None, specs, pick: by_transfer_type },
        );
    }
}

/// What `{rail}` picks on the v3 paths.
fn serves(imt: bool) -> super::Serves {
    let specs = if imt {
        IMT.iter().zip(IMT_SPECS).map(|(imt, spec)| super::Served::when(imt.domestic().path, spec)).collect()
    } else {
        RAILS
            .iter()
            .zip(SPECS)
            .filter(|(rail, _)| rail.v3)
            .map(|(rail, spec)| super::Served::when(rail.path, spec))
            .collect()
    };
    super::Serves { picked_by: Some("rail"), specs, pick: by_rail }
}

/// The rail `{rail}` names. One published SDK posts RTGS transfers to the SWIFT path;
/// `transfer.type` tells them apart.
fn by_rail(req: &HttpRequest, serves: &super::Serves) -> Option<pipeline::Route> {
    match super::by_param(req, serves)? {
        pipeline::Route::Fixed(spec) if std::ptr::eq(spec.op, &SEND_SWIFT) => {
            Some(pipeline::Route::ByBody { name: SEND_SWIFT.id, choose: swift_or_rtgs })
        }
        picked => Some(picked),
    }
}

fn by_transfer_type(_: &HttpRequest, _: &super::Serves) -> Option<pipeline::Route> {
    Some(pipeline::Route::ByBody { name: "remittance", choose: choose_rail })
}

fn swift_or_rtgs(body: &Value) -> Result<&'static Spec, String> {
    let rtgs = fields::text_at(body, "transfer.type").is_some_and(|t| t.eq_ignore_ascii_case("RTGS"));
    let rail = if rtgs { &SEND_RTGS } else { &SEND_SWIFT };
    Ok(SPECS.iter().find(|spec| std::ptr::eq(spec.op, rail)).expect("both rails have a spec"))
}

fn choose_rail(body: &Value) -> Result<&'static Spec, String> {
    let kinds = || {
        let mut kinds: Vec<&str> = RAILS.iter().map(|r| r.v2_type).collect();
        kinds.dedup();
        kinds.join(", ")
    };
    let kind = fields::text_at(body, "transfer.type")
        .ok_or_else(|| format!("transfer.type: is required; it chooses the rail: one of {}", kinds()))?;
    let candidates: Vec<usize> = (0..RAILS.len()).filter(|&i| RAILS[i].v2_type == kind).collect();
    let destination = fields::text_at(body, "destination.type").unwrap_or_default();
    match candidates[..] {
        [] => Err(format!("transfer.type: must be one of {}, not {kind:?}", kinds())),
        [only] => Ok(&SPECS[only]),
        _ => candidates
            .iter()
            .find(|&&i| RAILS[i].destination_type == destination)
            .map(|&i| &SPECS[i])
            .ok_or_else(|| format!("destination.type: must be bank or mobile for transfer.type {kind}")),
    }
}

fn validate(rail: &Rail, imt: bool, body: &mut Value, variants: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    check.one_of("source.countryCode", EQUITY_COUNTRIES);
    check.string("source.name");
    check.string("source.accountNumber");
    check.one_of("destination.type", &[rail.destination_type]);
    match rail.destination_countries {
        Some(countries) => {
            check.one_of("destination.countryCode", countries);
        }
        None => {
            check.rule("destination.countryCode", |c| c.len() == 2, "must be a 2-letter country code");
        }
    }
    check.string("destination.name");
    for field in rail.destination_fields {
        let alternatives: Vec<&'static str> = field.split('|').collect();
        if let [only] = alternatives[..] {
            check.string(only);
        } else if let Some((_, used)) = check.string_any(&alternatives) {
            if used != alternatives[0] {
                variants.insert(alternatives[0].into(), format!("sent as {used}"));
            }
        }
    }
    // Clients differ in case (`Pesalink`); the journal keeps what was sent.
    if let Some((kind, sent)) = check.one_of_any_case("transfer.type", rail.transfer_types) {
        variants
            .insert("transfer.type".into(), if kind == sent { kind.into() } else { format!("{kind} (sent {sent})") });
    }
    check.amount("transfer.amount", 2);
    check.rule(
        "transfer.currencyCode",
        |c| c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase()),
        "must be a currency code such as KES",
    );
    check.string("transfer.reference");
    check.date("transfer.date");
    if imt {
        for field in ["name", "documentType", "documentNumber", "countryCode", "mobileNumber", "email"] {
            check.string(&format!("sender.{field}"));
        }
        for field in ["documentType", "documentNumber", "mobileNumber"] {
            check.string(&format!("destination.{field}"));
        }
    }
    check.finish()
}
