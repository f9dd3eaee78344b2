//! The `api-checkout` products (reference §7.2, §7.3, §7.7): the wallet-based M-Pesa STK push,
//! whose order the status query follows on the sandbox clock, and the payment link.

use crate::catalogue::Family;
use crate::fields::SentAmount;
use crate::fields::{self, Check, StringOrAbsent, TextOrAbsent};
use crate::money::Cents;
use crate::operation::{Auth, Operation};
use crate::pipeline::{self, Call, Input, Outcome, Reply, Spec};
use crate::scenario::CallbackStep;
use crate::settlement::{schedule_callbacks, Pending};
use crate::signature::Formula;
use actix_web::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub static MPESA_WALLET_STK: Operation = Operation {
    id: "mpesa_stk_wallet",
    title: "M-Pesa STK push, wallet-based settlement",
    families: &[Family::ReceiveMobileWallet, Family::StkPush, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "doc",
        fields: &[
            "order.orderReference",
            "payment.paymentCurrency",
            "payment.details.msisdn",
            "payment.details.paymentAmount",
        ],
    }],
};

pub static MPESA_ORDER_STATUS: Operation = Operation {
    id: "mpesa_order_status",
    title: "M-Pesa order status (wallet-based)",
    families: &[Family::ReceiveMobileWallet, Family::QueryPayment, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

/// The formula comes from one published client only.
pub static PAYMENT_LINK: Operation = Operation {
    id: "payment_link",
    title: "Create payment link",
    families: &[Family::CreateBill, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "sdk",
        fields: &[
            "paymentLink.expiryDate",
            "paymentLink.amount",
            "paymentLink.currency",
            "paymentLink.amountOption",
            "paymentLink.externalRef",
        ],
    }],
};

pub(crate) static FAMILY: super::OperationFamily =
    super::OperationFamily { operations: &[&MPESA_WALLET_STK, &MPESA_ORDER_STATUS, &PAYMENT_LINK], configure };

fn configure(routes: &mut super::Routes) {
    routes.v3(Method::POST, "/api-checkout/mpesa-stk-push/v3.0/init", &WALLET_STK_SPEC);
    routes.v3(Method::GET, "/api-checkout/mpesa-stk-push/v3.0/status/order/{orderReference}", &ORDER_STATUS_SPEC);
    routes.v3(Method::POST, "/api-checkout/api/v1/create/payment-link", &PAYMENT_LINK_SPEC);
}

pub(crate) static WALLET_STK_SPEC: Spec =
    Spec { op: &MPESA_WALLET_STK, input: Input::Body, validate: validate_wallet_stk, execute: wallet_stk };
pub(crate) static ORDER_STATUS_SPEC: Spec = Spec {
    op: &MPESA_ORDER_STATUS,
    input: Input::Path(&["orderReference"]),
    validate: validate_order_reference,
    execute: order_status,
};
pub(crate) static PAYMENT_LINK_SPEC: Spec =
    Spec { op: &PAYMENT_LINK, input: Input::Body, validate: validate_payment_link, execute: payment_link };

/// This page spells it `callbackUrl`; the account-based push's `callBackUrl` is accepted too.
const CALLBACK_URL_FIELDS: &[&str] = &["payment.callbackUrl", "payment.callBackUrl"];
const SERVICE_NAME: &str = "M-Pesa STK Push (wallet)";

fn validate_wallet_stk(body: &mut Value, variants: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    for path in ["order.orderReference", "order.orderCurrency", "order.source", "order.description"] {
        check.string(path);
    }
    check.one_of("order.countryCode", &["KE"]);
    check.number_or_amount("order.orderAmount");
    for path in ["customer.name", "customer.email", "customer.phoneNumber", "customer.identityNumber"] {
        check.string(path);
    }
    check.string("payment.paymentReference");
    check.one_of("payment.paymentCurrency", &["KES"]);
    check.one_of("payment.channel", &["MOBILE"]);
    check.one_of("payment.service", &["MPESA"]);
    check.string("payment.provider");
    check.rule(
        "payment.details.msisdn",
        fields::is_international_mobile,
        "must be digits with the country code prefix, e.g. 254716730442",
    );
    check.number_or_amount("payment.details.paymentAmount");
    if let Some((_, field)) = check.string_any(CALLBACK_URL_FIELDS) {
        check.http_url(field);
        variants.insert("callbackUrl".into(), field.trim_start_matches("payment.").into());
    }
    check.finish()
}

/// A wallet-based push once validated.
#[derive(serde::Deserialize)]
struct WalletPush<'a> {
    #[serde(borrow)]
    order: Order<'a>,
    #[serde(borrow)]
    customer: Customer<'a>,
    #[serde(borrow)]
    payment: WalletPayment<'a>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Order<'a> {
    order_reference: &'a str,
    order_currency: &'a str,
    #[serde(borrow)]
    order_amount: SentAmount<'a>,
}

#[derive(serde::Deserialize)]
struct Customer<'a> {
    name: &'a str,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct WalletPayment<'a> {
    payment_reference: &'a str,
    payment_currency: &'a str,
    #[serde(borrow)]
    details: PaymentDetails<'a>,
    /// `CALLBACK_URL_FIELDS`: the first one sent.
    #[serde(default, borrow)]
    callback_url: StringOrAbsent<'a>,
    #[serde(default, borrow)]
    call_back_url: StringOrAbsent<'a>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentDetails<'a> {
    msisdn: &'a str,
    #[serde(borrow)]
    payment_amount: SentAmount<'a>,
}

fn wallet_stk(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let push: WalletPush = pipeline::typed(&input)?;
    let order = push.order.order_reference;
    if !call.claim_reference(order) {
        return Err(call.failure(400101).with_detail(format!("order {order} already exists")));
    }
    let amount = push.payment.details.payment_amount.cents();
    let order_amount = push.order.order_amount.cents();
    let charge = super::stk_push::service_charge(amount);
    let url = push.payment.callback_url.0.or(push.payment.call_back_url.0).unwrap_or_default().to_string();
    let created = call.now_ms();
    let pending = Pending { reference: order.to_string(), url, service_name: SERVICE_NAME, amount, charge, ipn: true };
    schedule_callbacks(call, pending, |call, step| wallet_callback_body(call, &push, step), |_, _| Ok(()))?;
    let invoice_number = format!("INV{}", call.ids().digits(8));
    let invoice = json!({
        "amount": amount.to_json_number(),
        "amountDebited": 0,
        "charge": charge.to_json_number(),
        "invoiceStatus": "Pending",
        "orderReference": order,
        "externalReference": "",
        "createdOn": crate::clock::plain(created),
        "completedOn": "",
    });
    // Sources disagree on `data`: one SDK models the order and its invoices, a published mock
    // flat payment fields. Both are given; typed clients ignore what they do not model.
    Ok(Reply::ok(json!({
        "status": true,
        "code": "0",
        "message": "Request accepted for processing",
        "data": {
            "order": {
                "orderAmount": order_amount.to_json_number(),
                "amountPaid": 0,
                "orderReference": order,
                "orderStatus": "Pending",
                "createdOn": created,
            },
            "invoices": [invoice],
            "amount": amount.to_json_number(),
            "charge": charge.to_json_number(),
            "paymentReference": push.payment.payment_reference,
            "invoiceNumber": invoice_number,
            "orderReference": order,
            "amountDebited": amount.checked_add(charge).unwrap_or(amount).to_json_number(),
        },
    })))
}

/// The result posted to `payment.callbackUrl`: the IPN shape (reference §12.2), the only
/// documented body of this product.
fn wallet_callback_body(call: &Call, push: &WalletPush, step: &CallbackStep) -> Value {
    let (order, payment) = (&push.order, &push.payment);
    let amount = payment.details.payment_amount.cents();
    let (default_message, success) = super::stk_push::callback_code(step.code);
    let paid = success && step.code != 0;
    let receipt = call.ids().receipt(10);
    let mut body = json!({
        "callbackType": "IPN",
        "customer": {
            "name": push.customer.name,
            "mobileNumber": payment.details.msisdn,
            "reference": order.order_reference,
        },
        "transaction": {
            "date": crate::clock::plain(call.now_ms()),
            "reference": receipt,
            "paymentMode": "MPESA",
            "amount": amount.to_json_number(),
            "currency": payment.payment_currency,
            "billNumber": order.order_reference,
            "servedBy": "EQ",
            "additionalInfo": format!("MPS {} {receipt}", payment.details.msisdn),
            "orderAmount": order.order_amount.cents().to_json_number(),
            "serviceCharge": super::stk_push::service_charge(amount).to_json_number(),
            "orderCurrency": order.order_currency,
            "status": if paid { "SUCCESS" } else if step.code == 0 { "PENDING" } else { "FAILED" },
            "remarks": step.message.as_deref().unwrap_or(default_message),
        },
        "bank": {"reference": receipt, "transactionType": "C", "account": Value::Null},
    });
    super::stk_push::apply_overrides(&mut body, step);
    body
}

fn validate_order_reference(input: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*input);
    check.string("orderReference");
    check.finish()
}

/// The order status path's parameter.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderPath<'a> {
    order_reference: &'a str,
}

/// The order is Pending until its callback's time comes, then Paid, or Cancelled when it failed.
fn order_status(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let OrderPath { order_reference: order } = pipeline::typed(&input)?;
    let transaction = call
        .state
        .transactions
        .get(&call.merchant().code, order)
        .filter(|t| t.service_name == SERVICE_NAME)
        .ok_or_else(|| crate::envelope::Failure::http("NOT_FOUND", Some(format!("Order not found: {order}"))))?;
    let status = transaction.status_at(call.now_ms());
    let (order_status, invoice_status, paid) = match status.state {
        "Success" => ("Paid", "Paid", true),
        "Pending" => ("Pending", "Pending", false),
        _ => ("Pending", "Cancelled", false),
    };
    let created = crate::clock::plain(transaction.created_ms);
    let amount_paid = if paid {
        transaction.amount.checked_add(transaction.charge).unwrap_or(transaction.amount)
    } else {
        Cents::ZERO
    };
    Ok(Reply::ok(json!({
        "status": true,
        "code": "0",
        "message": "Order found",
        "data": {
            "order": {
                "orderAmount": transaction.amount.to_json_number(),
                "amountPaid": amount_paid.to_json_number(),
                "orderReference": order,
                "orderStatus": order_status,
                "createdOn": transaction.created_ms,
            },
            "invoices": [{
                "amount": transaction.amount.to_json_number(),
                "amountDebited": amount_paid.to_json_number(),
                "charge": transaction.charge.to_json_number(),
                "invoiceStatus": invoice_status,
                "orderReference": order,
                "externalReference": if paid { format!("S{}", &order.chars().rev().take(9).collect::<String>()) } else { String::new() },
                "createdOn": created,
                "completedOn": if paid { created.clone() } else { String::new() },
            }],
        },
    })))
}

fn validate_payment_link(body: &mut Value, _: &mut BTreeMap<String, String>) -> Result<(), String> {
    let mut check = Check::new(&*body);
    match fields::get(body, "customers") {
        Some(Value::Array(list)) if !list.is_empty() => {
            for index in 0..list.len() {
                for field in ["firstName", "lastName", "email", "countryCode"] {
                    check.string(&format!("customers.{index}.{field}"));
                }
            }
        }
        _ => check.problem("customers", "must be a list of at least one customer"),
    }
    check.date("paymentLink.expiryDate");
    check.date("paymentLink.saleDate");
    for field in ["saleType", "paymentLinkType", "name", "description", "externalRef", "amountOption", "currency"] {
        check.string(&format!("paymentLink.{field}"));
    }
    check.number_or_amount("paymentLink.amount");
    check.finish()
}

/// A payment link request once validated.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkRequest<'a> {
    #[serde(borrow)]
    payment_link: Link<'a>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Link<'a> {
    external_ref: &'a str,
    /// Not validated: read as sent, whatever it is, like any field a client may add.
    #[serde(default, borrow)]
    payment_link_ref: TextOrAbsent<'a>,
}

fn payment_link(call: &mut Call) -> Outcome {
    let input = call.take_input();
    let LinkRequest { payment_link: link } = pipeline::typed(&input)?;
    let external = link.external_ref;
    // An existing link is updated when its reference is given; a new one needs a new externalRef.
    let updating = link.payment_link_ref.0;
    if updating.is_none() && !call.claim_reference(&format!("link:{external}")) {
        return Err(call.failure(400101).with_detail(format!("a payment link with externalRef {external} exists")));
    }
    let link = updating.map(String::from).unwrap_or_else(|| format!("PL{}", call.ids().digits(10)));
    Ok(Reply::ok(json!({
        "status": true,
        "code": 0,
        "message": "Payment link created successfully",
        "metadata": {"timestamp": call.now_ms()},
        "data": {
            "dateCreated": call.now_ms(),
            "paymentLinkRef": link,
            "externalRef": external,
            "status": {"code": "ACTIVE", "name": "Active"},
        },
    })))
}
