//! Send money (reference §6): every rail is a row of `RAILS`, and one validator and one executor
//! serve them all. A transfer debits the source account on the ledger (crediting a destination
//! that is one of the merchant's own accounts).

use crate::catalogue::Family;
use crate::envelope::Failure;
use crate::envelope::Generation;
use crate::fields::{self, Check};
use crate::ledger;
use crate::money::Cents;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Spec};
use crate::settlement;
use crate::signature::Formula;
use actix_web::http::Method;
use actix_web::HttpRequest;
use serde_json::{json, Value};
use std::collections::BTreeMap;

mod rails;

pub(crate) use rails::IMT;
pub use rails::{Maximum, Rail, RAILS};
use rails::{EQUITY_COUNTRIES, SWIFT_SELF_CHARGE};

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
    let domestic = IMT.iter().find(|(imt, _)| std::ptr::eq(*imt, op)).map(|(_, index)| &RAILS[*index]);
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
                validate(&RAILS[IMT[$imt].1], true, body, variants)
            }
        )*
        pub(crate) static SPECS: &[Spec] = &[$(Spec { op: RAILS[$index].op, input: Input::Body, validate: $name, execute }),*];
        pub(crate) static IMT_SPECS: &[Spec] = &[$(Spec { op: IMT[$imt].0, input: Input::Body, validate: $imt_name, execute }),*];
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
        let specs = SPECS.iter().map(|spec| (None, spec)).collect();
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
        IMT.iter().zip(IMT_SPECS).map(|((_, index), spec)| (Some(RAILS[*index].path), spec)).collect()
    } else {
        RAILS.iter().zip(SPECS).filter(|(rail, _)| rail.v3).map(|(rail, spec)| (Some(rail.path), spec)).collect()
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

fn execute(call: &mut Call) -> Outcome {
    let rail = rail_of(call.op);
    let input = call.input.clone();
    let text = |path| fields::text_at(&input, path).unwrap_or_default();
    let (source, reference) = (text("source.accountNumber"), text("transfer.reference"));
    let currency = text("transfer.currencyCode");
    let destination = text("destination.accountNumber");
    let amount = Cents::parse(&text("transfer.amount")).unwrap_or_default();
    let merchant = call.merchant();
    let Some(account) = merchant.account(&source) else {
        return Err(Failure::http(
            "ACCOUNT_NOT_FOUND",
            Some(format!("source.accountNumber {source} is not an account of merchant {}", merchant.code)),
        ));
    };
    if !rail.wallets.is_empty() && !rail.wallets.contains(&text("destination.walletName").as_str()) {
        return Err(call.failure(105160));
    }
    if rail.op.id == SEND_WITHIN_EQUITY.id && account.currency != currency {
        return Err(call.failure(400103).with_detail(format!("the source account holds {}", account.currency)));
    }
    if let Some(maximum) = rail.maximum.as_ref().filter(|maximum| amount > maximum.amount) {
        return Err(call.failure(maximum.code));
    }
    // v2 insists on 12-digit references (v3 examples use other lengths).
    if call.generation == crate::envelope::Generation::V2 && !fields::is_twelve_digits(&reference) {
        return Err(call.failure(400116));
    }
    // SWIFT's `chargeOption: SELF`: the sender pays USD 20 upfront towards correspondent charges,
    // in the transfer's currency at the fixture rate.
    let mut charge_conversion = None;
    let charge = if std::ptr::eq(rail.op, &SEND_SWIFT) && text("transfer.chargeOption") == "SELF" {
        let rate = crate::forex::rate("USD", &currency);
        let Some((rate, charge)) = rate.and_then(|rate| Some((rate, SWIFT_SELF_CHARGE.convert(rate)?))) else {
            let detail = format!("the fixtures have no USD to {currency} rate for the USD 20.00 charge");
            return Err(call.failure(rail.refusals.invalid_amount).with_detail(detail));
        };
        if currency != "USD" {
            charge_conversion = Some(ledger::Converted {
                account: source.clone(),
                from: "USD".into(),
                to: currency.clone(),
                rate,
                amount: SWIFT_SELF_CHARGE,
                converted: charge,
            });
        }
        charge
    } else {
        Cents::ZERO
    };
    // Only a bank destination can be one of the merchant's own accounts, credited here.
    let to = (rail.destination_type == "bank" && !destination.is_empty()).then_some(destination.as_str());
    let mobile = text("destination.mobileNumber");
    // Bank rails name the account (PesaLink IMT also carries the recipient's mobile number).
    let counterpart = if rail.destination_type == "bank" || mobile.is_empty() { destination.clone() } else { mobile };
    let mut description = format!("{} TO {counterpart} REF {reference}", rail.transfer_types[0].to_uppercase());
    if let Some(conversion) = &charge_conversion {
        description.push_str(&format!(" (CHARGE {})", conversion.describe()));
    }
    let movement = ledger::Movement {
        from: &source,
        to,
        amount,
        charge,
        currency: &currency,
        conversion: rail.conversion,
        at_ms: call.now_ms(),
        reference: &reference,
        description: &description,
    };
    let mut posted = settlement::debit(call, movement, &rail.refusals)?;
    let transaction_id = call.ids().digits(10);
    let mut data = json!({"transactionId": transaction_id, "status": "SUCCESS"});
    posted.conversions.extend(charge_conversion);
    if !posted.conversions.is_empty() {
        // Not in Jenga's schema: says what the sandbox converted, at which fixture rate.
        data["conversions"] = posted.conversions.iter().map(ledger::Converted::to_json).collect();
    }
    if rail.transfer_types[0] == "PesaLink" {
        // PesaLink answers carry the bank's confirmation text (reference §6.5).
        let when = crate::clock::Clock::at(call.now_ms());
        data["description"] = json!(format!(
            "Confirmed. {} {} Sent to {counterpart} -{} from your account {source} on {} at {} Ref. {reference} Thank you",
            currency,
            text("transfer.amount"),
            text("destination.name"),
            when.format("%d-%m-%Y"),
            when.format("%H%M%S"),
        ));
    }
    match fields::text_at(&call.input, "transfer.callbackUrl").filter(|url| fields::is_http_url(url)) {
        // A mobile-wallet transfer with a callback URL reports its final status there, like the
        // STK/USSD push; its state follows that schedule.
        Some(url) if !rail.wallets.is_empty() => {
            let pending = settlement::Pending {
                reference: reference.clone(),
                url,
                service_name: rail.transfer_types[0],
                amount,
                charge,
                ipn: false,
            };
            settlement::schedule_callbacks(call, pending, wallet_callback_body, |_, _| Ok(()))?;
        }
        _ => call.record_completed(&reference, rail.transfer_types[0], amount, ""),
    }
    Ok(call.success(data, &[("reference", json!(reference))]))
}

/// The final status of a transfer to a mobile wallet. Jenga documents no body for it, so it
/// follows the STK/USSD push callback's fields and codes.
fn wallet_callback_body(call: &Call, step: &crate::scenario::CallbackStep) -> Value {
    let text = |path| fields::text_at(&call.input, path).unwrap_or_default();
    let (default_message, success) = super::stk_push::callback_code(step.code);
    let mut body = json!({
        "status": step.status.unwrap_or(success),
        "code": step.code_as_sent,
        "message": step.message.as_deref().unwrap_or(default_message),
        "transactionReference": text("transfer.reference"),
        "mobileNumber": text("destination.mobileNumber"),
        "walletName": text("destination.walletName"),
        "amount": call.input["transfer"]["amount"],
        "currency": text("transfer.currencyCode"),
    });
    if matches!(step.code, 2..=4) {
        body["telcoReference"] = Value::String(call.ids().receipt(10));
    }
    super::stk_push::apply_overrides(&mut body, step);
    body
}
