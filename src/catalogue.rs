//! The one table of every Jenga error code the sandbox can answer with. Nowhere else in the
//! crate writes a code's HTTP status or message: other modules name a code (or a v3
//! `error_code`) and read the wording from here, so a sandbox answer always matches the docs.
//!
//! Sources:
//! * seed 000, the v2 error-code tables (Python SDK docs): every downstream ("target") code.
//!   Messages are copied byte for byte from it, including its dashes, curly apostrophes and
//!   typos; where reference §11 re-types them differently, seed 000 wins.
//! * seed 001, the v3 STK/USSD push page: its "HTTP Response Codes", "Error Responses" and
//!   "Transaction Status Errors" tables.
//! * reference §4.2 (v3 account validation: 900100, and the HTTP statuses of 401101 and 104101)
//!   and §4.3 (the v2 gateway errors 500101..500105).
//! * "sandbox": gateway answers the docs never show (405, 413, 415, a plain 404 and 500),
//!   worded in the same style so the sandbox never needs an ad-hoc body.
//!
//! Inferred, not documented:
//! * v3 answers a business (downstream) failure at HTTP 400 unless a source gives its status.
//! * v2 answers every downstream code at HTTP 200 with `response_status` "error" (seed 000's
//!   "Target Error"); that includes v3-only codes, so both envelopes can render any row.
//! * The `forbidden`, `method_not_allowed`, `payload_too_large` and `unsupported_media_type`
//!   `response_status` texts follow §4.3's naming; §4.3 lists no such rows.

use Family::*;

/// A source table (heading) a code is listed under. The same code can mean different things
/// under different headings, so callers pass the families their operation speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// v3 gateway-level bodies (seed 001 "Error Responses") plus the sandbox's own.
    Http,
    /// v2 gateway errors 500101..500105 (reference §4.3).
    V2Gateway,
    /// 900101 (seed 000 "Downstream Provider") and v3's 900100 (reference §4.2).
    Signature,
    MerchantAuthorization,
    AccountProfile,
    Rtgs,
    SendWithinEquity,
    Pesalink,
    Airtime,
    SendMobileWallet,
    BillTill,
    EazzypayPush,
    MpesaOnline,
    PaymentStatus,
    Refund,
    Identity,
    AccountBalance,
    CreateBill,
    Card,
    ReceiveMobileWallet,
    QueryPayment,
    QueryBill,
    Generic,
    /// Seed 001 "HTTP Response Codes" of the STK/USSD push.
    StkPush,
    /// Seed 001 "Transaction Status Errors".
    TransactionStatus,
}

impl Family {
    #[cfg(test)]
    pub const ALL: &'static [Family] = &[
        Http,
        V2Gateway,
        Signature,
        MerchantAuthorization,
        AccountProfile,
        Rtgs,
        SendWithinEquity,
        Pesalink,
        Airtime,
        SendMobileWallet,
        BillTill,
        EazzypayPush,
        MpesaOnline,
        PaymentStatus,
        Refund,
        Identity,
        AccountBalance,
        CreateBill,
        Card,
        ReceiveMobileWallet,
        QueryPayment,
        QueryBill,
        Generic,
        StkPush,
        TransactionStatus,
    ];

    /// The snake_case name, as serde writes it (scenario files and the admin API use it).
    pub fn name(self) -> &'static str {
        match self {
            Http => "http",
            V2Gateway => "v2_gateway",
            Signature => "signature",
            MerchantAuthorization => "merchant_authorization",
            AccountProfile => "account_profile",
            Rtgs => "rtgs",
            SendWithinEquity => "send_within_equity",
            Pesalink => "pesalink",
            Airtime => "airtime",
            SendMobileWallet => "send_mobile_wallet",
            BillTill => "bill_till",
            EazzypayPush => "eazzypay_push",
            MpesaOnline => "mpesa_online",
            PaymentStatus => "payment_status",
            Refund => "refund",
            Identity => "identity",
            AccountBalance => "account_balance",
            CreateBill => "create_bill",
            Card => "card",
            ReceiveMobileWallet => "receive_mobile_wallet",
            QueryPayment => "query_payment",
            QueryBill => "query_bill",
            Generic => "generic",
            StkPush => "stk_push",
            TransactionStatus => "transaction_status",
        }
    }

    #[cfg(test)]
    pub fn from_name(name: &str) -> Option<Family> {
        Self::ALL.iter().copied().find(|f| f.name() == name)
    }
}

/// One (code, message) pair and how each API generation answers it.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub code: i64,
    /// HTTP status when answered by a v3 endpoint.
    pub v3_status: u16,
    /// HTTP status when answered by a v2 endpoint.
    pub v2_status: u16,
    /// v2 `response_status` text: "error" for downstream (target) errors.
    pub v2_response_status: &'static str,
    pub message: &'static str,
    /// v3 `error_code` string where the docs give one (INVALID_REQUEST ...).
    pub error_code: Option<&'static str>,
    /// Every heading that lists this exact (code, message).
    pub families: &'static [Family],
    /// Short provenance: "seed 000", "seed 001", "reference §4.2", "sandbox" ...
    pub source: &'static str,
}

/// A downstream code from seed 000: v3 400 (inferred), v2 200 "error" (documented).
const fn target(code: i64, message: &'static str, families: &'static [Family]) -> Row {
    Row {
        code,
        v3_status: 400,
        v2_status: 200,
        v2_response_status: "error",
        message,
        error_code: None,
        families,
        source: "seed 000",
    }
}

/// A gateway-level answer: the same HTTP status in both generations.
const fn gateway(
    code: i64,
    status: u16,
    v2_response_status: &'static str,
    message: &'static str,
    error_code: Option<&'static str>,
    families: &'static [Family],
    source: &'static str,
) -> Row {
    Row { code, v3_status: status, v2_status: status, v2_response_status, message, error_code, families, source }
}

/// A v3-only code from seed 001, with the HTTP status its table gives.
const fn seed001(code: i64, v3_status: u16, message: &'static str, families: &'static [Family]) -> Row {
    Row { v3_status, source: "seed 001", ..target(code, message, families) }
}

/// Every row, in the order of the source tables (first appearance). Where a code has several
/// rows, `lookup` falls back to the first, so the usual wording comes first. One row per line
/// keeps it readable as the source tables; some messages are wider than rustfmt allows.
#[rustfmt::skip]
pub(crate) static CATALOGUE: &[Row] = &[
    // seed 001: Error Responses (also reference §4.2).
    gateway(400, 400, "invalid_request_error", "Invalid request parameters", Some("INVALID_REQUEST"), &[Http], "seed 001"),
    gateway(401, 401, "unauthorized", "Invalid or expired access token", Some("UNAUTHORIZED"), &[Http], "seed 001"),
    gateway(403, 403, "forbidden", "Invalid signature or insufficient permissions", Some("FORBIDDEN"), &[Http], "seed 001"),
    gateway(404, 404, "not_found", "Source or destination account not found", Some("ACCOUNT_NOT_FOUND"), &[Http], "seed 001"),
    // sandbox: gateway answers the docs do not show.
    gateway(404, 404, "not_found", "Resource not found", Some("NOT_FOUND"), &[Http], "sandbox"),
    gateway(405, 405, "method_not_allowed", "Method not allowed", Some("METHOD_NOT_ALLOWED"), &[Http], "sandbox"),
    gateway(408, 408, "request_timeout", "The request body did not arrive in time", Some("REQUEST_TIMEOUT"), &[Http], "sandbox"),
    gateway(413, 413, "payload_too_large", "Request body too large", Some("PAYLOAD_TOO_LARGE"), &[Http], "sandbox"),
    gateway(415, 415, "unsupported_media_type", "Unsupported content type", Some("UNSUPPORTED_MEDIA_TYPE"), &[Http], "sandbox"),
    gateway(500, 500, "internal_server_error", "Internal server error", Some("INTERNAL_ERROR"), &[Http], "sandbox"),
    // sandbox, proxy mode: the upstream gave no usable answer.
    gateway(502, 502, "bad_gateway", "The upstream gave no answer", Some("BAD_GATEWAY"), &[Http], "sandbox"),
    gateway(504, 504, "gateway_timeout", "The upstream did not answer in time", Some("GATEWAY_TIMEOUT"), &[Http], "sandbox"),
    // seed 000: Downstream Provider Error responses
    target(900101, "Invalid merchant Cipher Text", &[Signature]),
    target(900101, "Invalid merchant certificate", &[Signature]),
    target(900101, "invalid merchant public key configuration – is empty", &[Signature]),
    target(900101, "Invalid merchant public key configuration —Public key is null", &[Signature]),
    target(900101, "Invalid merchant code provided", &[Signature]),
    // reference §4.2: v3 account validation's signature failure, at HTTP 400.
    Row { v3_status: 400, source: "reference §4.2", ..target(900100, "Invalid Signature", &[Signature]) },
    // seed 000: Merchant Authorization
    // §4.2: v3 answers 401101 at HTTP 401.
    Row { v3_status: 401, source: "seed 000, reference §4.2", ..target(401101, "Unauthorized", &[MerchantAuthorization]) },
    target(401102, "Service Not available", &[MerchantAuthorization]),
    target(401103, "Service Not available", &[MerchantAuthorization]),
    // seed 000: Merchant Account/ Profile Validation
    // §4.2: v3 account validation answers 104101 at HTTP 200.
    Row { v3_status: 200, source: "seed 000, reference §4.2", ..target(104101, "Validation of account failed", &[AccountProfile]) },
    target(104102, "Merchant daily transaction limit exceeded", &[AccountProfile]),
    target(104103, "Insufficient Funds", &[AccountProfile]),
    target(104104, "Invalid charge configuration", &[AccountProfile]),
    target(104105, "Server Error", &[AccountProfile]),
    target(104106, "Server error - could not save to database", &[AccountProfile]),
    target(104107, "Invalid merchant configuration - No billing account found", &[AccountProfile]),
    // seed 000: RTGS
    target(118102, "Service Not Available", &[Rtgs]),
    target(118108, "The source account has insufficient balance amount", &[Rtgs]),
    target(103101, "Invalid Account Type.", &[Rtgs]),
    target(103102, "Invalid account number .", &[Rtgs]),
    target(103104, "Insufficient funds.", &[Rtgs]),
    target(103105, "Transfer Limit Exceeded .", &[Rtgs]),
    target(103106, "Request Failed, please contact Bank.", &[Rtgs]),
    target(103107, "Invalid Currency/Transaction Amount.", &[Rtgs]),
    target(103108, "System Failure please retry .", &[Rtgs]),
    target(103109, "System malfunction .", &[Rtgs]),
    // seed 000: Send Money - Within Equity Bank and Equitel
    target(400103, "Failed, invalid destination bank account", &[SendWithinEquity, Pesalink]),
    target(400104, "Failed, insufficient funds", &[SendWithinEquity, Pesalink, SendMobileWallet]),
    target(400105, "Failed, general error", &[SendWithinEquity, Pesalink, SendMobileWallet]),
    target(400106, "Failed, destination bank error.", &[SendWithinEquity, Pesalink]),
    target(400107, "Failed, destination bank error. Cut-over in progress", &[SendWithinEquity, Pesalink]),
    target(400108, "Failed, destination bank error. System malfunction", &[SendWithinEquity, Pesalink]),
    target(400109, "Failed, destination bank error. Duplicate transmission", &[SendWithinEquity, Pesalink]),
    target(400111, "Failed, missing parameter in integration to gateway system", &[SendWithinEquity, Pesalink]),
    target(400112, "Failed, could not process this request. System failure.", &[SendWithinEquity, Pesalink, SendMobileWallet]),
    target(400101, "Duplicate Transaction/ Payment Reference", &[SendWithinEquity, Pesalink, Airtime, SendMobileWallet, BillTill, EazzypayPush]),
    target(400113, "Failed, sender daily limit exceeded", &[SendWithinEquity, Pesalink, SendMobileWallet]),
    target(103120, "Failed, banking service could not process the request", &[SendWithinEquity, SendMobileWallet]),
    target(400114, "Failed, unable to process request. Third party is unavailable", &[SendWithinEquity, Pesalink, SendMobileWallet]),
    target(400115, "Failed, unhandled error", &[SendWithinEquity, Pesalink, SendMobileWallet]),
    target(400116, "Failed, 12 digit transaction reference required", &[SendWithinEquity, Pesalink, SendMobileWallet]),
    target(118110, "Failed, maximum transfer amount is 999,999 per transaction", &[SendWithinEquity]),
    // seed 000: Pesalink
    target(100116, "Failed, pesalink or destination bank error", &[Pesalink]),
    target(100124, "Failed, invalid amount", &[Pesalink]),
    target(100128, "Failed, pesalink or destination bank error", &[Pesalink]),
    target(100130, "Failed, pesalink or destination bank error", &[Pesalink]),
    target(100134, "Failed, amount less than minimum allowed", &[Pesalink]),
    target(100207, "Failed, destination cannot be found for routing", &[Pesalink]),
    target(100209, "Failed, pesalink or destination bank error", &[Pesalink]),
    target(100210, "Failed, transaction timed out", &[Pesalink]),
    target(100211, "Failed, pesalink or destination bank error", &[Pesalink]),
    target(100232, "Failed, banking service could not process the request", &[Pesalink]),
    target(100222, "Failed, suspected fraud", &[Pesalink]),
    target(400102, "Failed, invalid destination bank account", &[Pesalink]),
    target(400110, "Failed, bank not on pesalink", &[Pesalink]),
    // seed 000: Purchase Airtime
    target(107101, "Service Not available", &[Airtime]),
    target(107102, "Invalid Provider", &[Airtime]),
    target(107103, "Invalid Parameters", &[Airtime]),
    target(107104, "Invalid Mobile Number", &[Airtime]),
    target(107105, "Invalid Service Type", &[Airtime]),
    target(107106, "Invalid Amount", &[Airtime]),
    target(107107, "Payment reference Number should be 12 digits", &[Airtime]),
    target(107108, "Authentication Failed", &[Airtime]),
    target(107109, "The maximum amount allowed for transfers per transaction is KES 8000", &[Airtime]),
    target(107110, "Failed. Transaction has been reversed to your Account {account}. Ref.{reference}.", &[Airtime]),
    target(107111, "Dear Customer, we are unable to complete your request at this time. Kindly try again later. Reference Number {ref}", &[Airtime]),
    target(107112, "Failed.Transaction Ref.#RefNo# unsuccessful. Kindly call 100 for assistance", &[Airtime]),
    // seed 000: Send Money - To Mobile Wallet ( Airtel and M-PESA )
    target(105154, "Failed, we cannot process your request at the moment due to system failure at Airtel", &[SendMobileWallet]),
    target(105156, "Failed, the number is not registered for Airtel money", &[SendMobileWallet]),
    target(105157, "Failed, credit party customer type can’t be supported by the service", &[SendMobileWallet]),
    target(105158, "Failed, Maximum transfer amount is 70000 per transaction", &[SendMobileWallet]),
    target(105160, "Failed, invalid mobile wallet", &[SendMobileWallet]),
    target(118101, "Customer not registered for Equitel Mobile Banking", &[SendMobileWallet]),
    // seed 000: Bill and Till Payments
    target(102101, "Missing parameter", &[BillTill]),
    target(102102, "invalid Reference Number", &[BillTill]),
    target(102103, "Invalid Biller Code/Till Number", &[BillTill]),
    target(102104, "Invalid Bill Reference", &[BillTill]),
    target(102105, "Reversal Failed", &[BillTill]),
    target(102106, "Insufficient Balance, Invalid Account", &[BillTill]),
    target(102107, "System Failure please retry", &[BillTill]),
    target(102108, "Reversal Failed", &[BillTill]),
    target(102110, "Service Not available", &[BillTill]),
    // seed 000: Eazzypay Push
    target(114101, "Merchant not registered for service", &[EazzypayPush, ReceiveMobileWallet]),
    target(114102, "Amount is below minimum that is allowed for transaction.", &[EazzypayPush, ReceiveMobileWallet]),
    target(114103, "The maximum amount limit is reached", &[EazzypayPush, ReceiveMobileWallet]),
    target(114104, "Customer is not registered", &[EazzypayPush, ReceiveMobileWallet]),
    target(114105, "Maximum daily amount per-day limit is reached for this payment", &[EazzypayPush, ReceiveMobileWallet]),
    target(114106, "Maximum transactions per-day limit is reached for this payment", &[EazzypayPush, ReceiveMobileWallet]),
    target(114107, "Invalid parameters. Kindly check with bank team", &[EazzypayPush, ReceiveMobileWallet]),
    // seed 000: Lipa na M-Pesa Online
    target(117101, "Bad Request - Invalid TransactionType", &[MpesaOnline]),
    target(117101, "Bad Request - Invalid Password", &[MpesaOnline]),
    target(117101, "Bad Request - Invalid PartyB", &[MpesaOnline]),
    target(117101, "Bad Request - Invalid CallBackURL", &[MpesaOnline]),
    target(117101, "Bad Request - Invalid Remarks", &[MpesaOnline]),
    target(117101, "Bad Request - Invalid PartyA", &[MpesaOnline]),
    target(117101, "Bad Request - Invalid Amount", &[MpesaOnline]),
    target(117102, "[MerchantValidate] - Wrong credentials", &[MpesaOnline]),
    target(117102, "Request failed: Output data invalid", &[MpesaOnline]),
    target(117104, "Error Occured: Spike Arrest Violation", &[MpesaOnline]),
    // Also §4.3's generic v2 gateway error, which it lists at HTTP 500.
    Row { v3_status: 500, v2_status: 500, source: "seed 000, reference §4.3", ..target(500101, "Generic error. Please contact our support.", &[Generic, V2Gateway, MpesaOnline]) },
    // seed 000: Get Payment Status
    target(111101, "Failed. Invalid input parameters", &[PaymentStatus]),
    target(111102, "Bad request - Transaction not found.", &[PaymentStatus]),
    // seed 000: Refund Payment
    target(113101, "Service Not available", &[Refund]),
    target(113102, "Invalid request format", &[Refund]),
    target(113103, "Invalid Transaction Status code for Reverse the Transaction", &[Refund]),
    target(113104, "Service Not available", &[Refund]),
    target(113105, "Due to technical problem we are not able to process your request", &[Refund]),
    // seed 000: Identity Verification
    target(115101, "ID number used for search contains invalid symbols", &[Identity]),
    target(115102, "Serial number used for search contains invalid symbols", &[Identity]),
    target(115103, "At least one of search parameters should be filled", &[Identity]),
    target(115104, "Search can’t be done if one of mandatory fields is empty. All input parameters should be filled", &[Identity]),
    target(115105, "There is no record found in IPRS corresponding search parameters", &[Identity]),
    target(115106, "Service Not available", &[Identity]),
    target(115107, "Service Not available", &[Identity]),
    target(115108, "Service Not available", &[Identity]),
    target(115109, "Service Not available", &[Identity]),
    target(115110, "Service Not available", &[Identity]),
    target(115111, "Passport number contains illegal symbols", &[Identity]),
    target(115112, "At least one of search parameters should be filled", &[Identity]),
    target(115113, "Search can’t be done if one of mandatory fields is empty. All input parameters should be filled", &[Identity]),
    target(115114, "User can’t invoke verification methods because he didn’t pass the authorization or don’t have sufficient privileges", &[Identity]),
    target(115115, "Service Not available", &[Identity]),
    target(115116, "The image sent doesn’t correspond to the fingerprint format", &[Identity]),
    target(115117, "Service Not available", &[Identity]),
    target(115118, "Service Not available", &[Identity]),
    target(115119, "Service Not available", &[Identity]),
    // seed 000: Account Balance
    target(8504, "No record could be retrieved", &[AccountBalance]),
    // seed 000: Create Bill
    target(106101, "Unauthorized", &[CreateBill]),
    target(109101, "invalid charge configuration", &[CreateBill, Card]),
    target(109102, "invalid channel code", &[CreateBill, Card]),
    target(109103, "Bill already cleared", &[CreateBill, Card]),
    target(109104, "Invalid service configuration", &[CreateBill, Card]),
    target(109105, "Invalid charge channel configuration code", &[CreateBill, Card]),
    target(109106, "Invalid merchant Outlet code specified", &[CreateBill, Card]),
    target(109107, "Invalid merchant code", &[CreateBill, Card]),
    target(109108, "Invalid request data. Please check your payload", &[CreateBill, Card]),
    target(109109, "Service not available", &[CreateBill, Card]),
    // seed 000: Credit & Debit Card
    target(101101, "Transaction could not be processed", &[Card]),
    target(101102, "Transaction declined – contact issuing bank", &[Card]),
    target(101103, "No reply from Processing Host", &[Card]),
    target(101104, "Card has expired", &[Card]),
    target(101105, "Insufficient credit", &[Card]),
    target(101106, "Error Communicating with Bank", &[Card]),
    target(101107, "Message Detail Error (Invalid PAN, Invalid Expiry Date)", &[Card]),
    target(101108, "Transaction declined –transaction type not supported", &[Card]),
    target(101109, "Bank Declined Transaction – Do Not Contact Bank", &[Card]),
    target(116101, "Payment Not Updated", &[Card, ReceiveMobileWallet]),
    // seed 000: Receive Payments - Mobile Wallets
    target(111101, "Failed. Invalid input parameters.", &[ReceiveMobileWallet]),
    target(111102, "Bad request - Transaction not found", &[ReceiveMobileWallet]),
    // seed 000: Query Payment
    target(112101, "Amount paid is less or more than bill amount", &[QueryPayment]),
    target(112102, "No transaction found for order ref", &[QueryPayment]),
    target(112103, "Bill not found", &[QueryPayment]),
    target(112104, "Invalid merchant code", &[QueryPayment]),
    target(112105, "invalid service map configuration", &[QueryPayment]),
    target(112106, "Due to technical problem we are not able to process your request", &[QueryPayment]),
    target(112107, "Invalid service configuration", &[QueryPayment]),
    target(112108, "Bill already cleared", &[QueryPayment]),
    // seed 000: Query Bill
    target(110101, "Invalid merchant code", &[QueryBill]),
    target(110102, "Invalid request data. Please check your payload", &[QueryBill]),
    target(110103, "bill doesn’t exist", &[QueryBill]),
    // reference §4.3: v2 gateway errors (500101 is above, with seed 000's Generic Error).
    // §4.3 gives 500102's message as the template "{$.message}" (the validator's text); the
    // row holds a neutral "Bad request" and callers append the validator's detail.
    gateway(500102, 400, "invalid_request_error", "Bad request", None, &[V2Gateway], "reference §4.3"),
    gateway(500103, 401, "unauthorized", "Unauthorized - Please check your Bearer token.", None, &[V2Gateway], "reference §4.3"),
    gateway(500104, 404, "not_found", "Resource not found", None, &[V2Gateway], "reference §4.3"),
    gateway(500105, 500, "internal_server_error", "Internal Server Error - Please try again later.", None, &[V2Gateway], "reference §4.3"),
    // seed 001: HTTP Response Codes (the -1 acknowledgement is a success, not listed).
    seed001(106401, 401, "Not Authorized to access this Telco, Kindly contact support@finserve.africa", &[StkPush]),
    seed001(106201, 200, "Failed to initiate push. Kindly try again after a few minutes or contact support@finserve.africa", &[StkPush]),
    seed001(106500, 500, "Error loading service", &[StkPush]),
    seed001(106501, 500, "Error mapping service", &[StkPush]),
    seed001(400101, 400, "Transaction with the same reference already exists", &[StkPush]),
    // seed 001: Transaction Status Errors.
    seed001(111102, 400, "Transaction with the passed reference cannot be found", &[TransactionStatus]),
];

/// The row for `code` as the given families word it. `families` are tried in the order given
/// (callers list the most specific first); within one family the first row wins. When no row
/// of the code is in any of them, the code's first row answers; None if the code is unknown.
pub(crate) fn lookup(code: i64, families: &[Family]) -> Option<&'static Row> {
    let rows = CATALOGUE.iter().filter(|row| row.code == code);
    let first = rows.clone().next()?;
    let worded = families.iter().find_map(|family| rows.clone().find(|row| row.families.contains(family)));
    Some(worded.unwrap_or(first))
}

/// The v2 gateway row (§4.3) that speaks for a gateway-level failure of this HTTP status, if v2 has one.
pub(crate) fn v2_gateway_for(status: u16) -> Option<&'static Row> {
    CATALOGUE.iter().find(|row| row.families == [V2Gateway] && row.v2_status == status)
}

/// The gateway (Http or V2Gateway) row with this v3 `error_code`, e.g. "NOT_FOUND".
pub(crate) fn by_error_code(error_code: &str) -> Option<&'static Row> {
    CATALOGUE
        .iter()
        .find(|row| row.error_code == Some(error_code) && row.families.iter().any(|f| matches!(f, Http | V2Gateway)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_family_has_rows_and_round_trips_its_name() {
        for &family in Family::ALL {
            assert!(CATALOGUE.iter().any(|row| row.families.contains(&family)), "{family:?} has no row");
            assert_eq!(Family::from_name(family.name()), Some(family));
            assert_eq!(serde_json::to_value(family).unwrap(), family.name());
        }
        assert_eq!(Family::from_name("nope"), None);
    }

    #[test]
    fn no_two_rows_share_code_and_message() {
        let mut seen = HashSet::new();
        for row in CATALOGUE {
            assert!(seen.insert((row.code, row.message)), "duplicate row {} {:?}", row.code, row.message);
        }
    }

    #[test]
    fn messages_are_trimmed_and_rows_consistent() {
        for row in CATALOGUE {
            assert_eq!(row.message.trim(), row.message, "{}", row.code);
            assert!(!row.message.contains("  "), "{}", row.code);
            assert!(!row.families.is_empty(), "{}", row.code);
            let unique: HashSet<_> = row.families.iter().collect();
            assert_eq!(unique.len(), row.families.len(), "{} lists a family twice", row.code);
            if row.error_code.is_some() {
                assert!(row.families.contains(&Http), "{}", row.code);
            }
            if row.v2_response_status != "error" {
                assert_eq!(row.v2_status, row.v3_status, "{}", row.code);
            }
        }
    }

    #[test]
    fn lookup_words_a_code_by_family() {
        let stk = lookup(400101, &[Family::StkPush]).unwrap();
        assert_eq!(stk.message, "Transaction with the same reference already exists");
        assert_eq!(stk.v3_status, 400);
        let airtime = lookup(400101, &[Family::Airtime]).unwrap();
        assert_eq!(airtime.message, "Duplicate Transaction/ Payment Reference");
        assert_eq!(lookup(400101, &[]).unwrap().message, "Duplicate Transaction/ Payment Reference");
        assert!(lookup(999999, &[]).is_none());
        // The caller's order decides between families.
        let both = lookup(111102, &[Family::TransactionStatus, Family::PaymentStatus]).unwrap();
        assert_eq!(both.message, "Transaction with the passed reference cannot be found");
        let both = lookup(111102, &[Family::PaymentStatus, Family::TransactionStatus]).unwrap();
        assert_eq!(both.message, "Bad request - Transaction not found.");
    }

    #[test]
    fn documented_statuses() {
        let status = |code, family| {
            let row = lookup(code, &[family]).unwrap();
            (row.v3_status, row.v2_status, row.v2_response_status)
        };
        assert_eq!(status(900100, Signature), (400, 200, "error"));
        assert_eq!(status(401101, MerchantAuthorization), (401, 200, "error"));
        assert_eq!(status(104101, AccountProfile), (200, 200, "error"));
        assert_eq!(status(500101, Generic), (500, 500, "error"));
        assert_eq!(status(500103, V2Gateway), (401, 401, "unauthorized"));
        assert_eq!(status(106401, StkPush), (401, 200, "error"));
        assert_eq!(status(106201, StkPush), (200, 200, "error"));
        assert_eq!(status(113102, Refund), (400, 200, "error"));
        // Curly apostrophes and dashes survive as in seed 000.
        assert_eq!(lookup(110103, &[]).unwrap().message, "bill doesn\u{2019}t exist");
        assert_eq!(lookup(101102, &[]).unwrap().message, "Transaction declined \u{2013} contact issuing bank");
    }

    #[test]
    fn gateway_rows_are_found_by_error_code() {
        for code in [
            "INVALID_REQUEST",
            "UNAUTHORIZED",
            "FORBIDDEN",
            "ACCOUNT_NOT_FOUND",
            "NOT_FOUND",
            "METHOD_NOT_ALLOWED",
            "REQUEST_TIMEOUT",
            "PAYLOAD_TOO_LARGE",
            "UNSUPPORTED_MEDIA_TYPE",
            "INTERNAL_ERROR",
        ] {
            assert_eq!(by_error_code(code).unwrap().error_code, Some(code));
        }
        assert_eq!(by_error_code("NOT_FOUND").unwrap().message, "Resource not found");
        assert_eq!(by_error_code("INTERNAL_ERROR").unwrap().v2_response_status, "internal_server_error");
        assert!(by_error_code("TEAPOT").is_none());
    }

    /// Rows per family, counted by hand from the seed tables, so a dropped row fails here.
    #[test]
    fn rows_per_family_match_the_sources() {
        let expected: &[(Family, usize)] = &[
            (Http, 12),     // seed 001: 4 bodies; sandbox: 6, and 2 for proxy mode
            (V2Gateway, 5), // §4.3: 500101..500105
            (Signature, 6), // seed 000: five 900101; §4.2: 900100
            (MerchantAuthorization, 3),
            (AccountProfile, 7),
            (Rtgs, 10),
            (SendWithinEquity, 16),
            (Pesalink, 27),
            (Airtime, 13),
            (SendMobileWallet, 15),
            (BillTill, 10),
            (EazzypayPush, 8),
            (MpesaOnline, 11),
            (PaymentStatus, 2),
            (Refund, 5),
            (Identity, 19),
            (AccountBalance, 1),
            (CreateBill, 10),
            (Card, 19),
            (ReceiveMobileWallet, 10),
            (QueryPayment, 8),
            (QueryBill, 3),
            (Generic, 1),
            (StkPush, 5),
            (TransactionStatus, 1),
        ];
        assert_eq!(expected.len(), Family::ALL.len());
        for &(family, count) in expected {
            let got = CATALOGUE.iter().filter(|row| row.families.contains(&family)).count();
            assert_eq!(got, count, "{family:?}");
        }
        // 159 distinct (code, message) pairs in seed 000, plus 900100, 12 Http, 500102..500105,
        // 5 STK push and 1 transaction status row.
        assert_eq!(CATALOGUE.len(), 182);
    }
}
