//! The operations the sandbox serves: their ids (used by scenario files, the journal and the
//! admin API), the catalogue families their errors come from, and their signature formulas.

use crate::catalogue::Family;
use crate::signature::Formula;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Credentials travel in the call itself (the token endpoints).
    Credentials,
    /// `Authorization: Bearer <token>` of the calling merchant.
    Bearer,
}

#[derive(Debug)]
pub struct Operation {
    pub id: &'static str,
    pub title: &'static str,
    /// Catalogue families whose wording this operation uses, most specific first.
    pub families: &'static [Family],
    pub auth: Auth,
    /// Formula variants, the documented one first; empty when the call is not signed.
    pub signature: &'static [Formula],
}

pub static AUTHENTICATE: Operation = Operation {
    id: "authenticate",
    title: "Merchant authentication (v3 token)",
    families: &[Family::MerchantAuthorization, Family::Http],
    auth: Auth::Credentials,
    signature: &[],
};

pub static STK_PUSH: Operation = Operation {
    id: "stk_push",
    title: "Equitel / M-Pesa STK/USSD push (account-based)",
    families: &[Family::StkPush, Family::ReceiveMobileWallet, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "doc",
        fields: &[
            "merchant.accountNumber",
            "payment.ref",
            "payment.mobileNumber",
            "payment.telco",
            "payment.amount",
            "payment.currency",
        ],
    }],
};

pub static ACCOUNT_BALANCE: Operation = Operation {
    id: "account_balance",
    title: "Account balance",
    families: &[Family::AccountBalance, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["countryCode", "accountId"] }],
};

pub static ACCOUNT_INQUIRY: Operation = Operation {
    id: "account_inquiry",
    title: "Account inquiry (bank accounts)",
    families: &[Family::AccountProfile, Family::AccountBalance, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["countryCode", "accountNumber"] }],
};

pub static ACCOUNT_VALIDATION: Operation = Operation {
    id: "account_validation",
    title: "Account validation (all accounts)",
    families: &[Family::AccountProfile, Family::Signature, Family::Http],
    auth: Auth::Bearer,
    // The doc's example `KE00201XXXX14605JOHNDOE` drops the name's spaces; both forms are accepted.
    signature: &[
        Formula { name: "doc", fields: &["countryCode", "accountNumber", "accountFullName"] },
        Formula { name: "name-without-spaces", fields: &["countryCode", "accountNumber", "accountFullNameCompact"] },
    ],
};

pub static BILLERS: Operation = Operation {
    id: "billers",
    title: "Get all billers",
    families: &[Family::BillTill, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static EAZZYPAY_MERCHANTS: Operation = Operation {
    id: "eazzypay_merchants",
    title: "Get all EazzyPay merchants",
    families: &[Family::EazzypayPush, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static FOREX_RATES: Operation = Operation {
    id: "forex_rates",
    title: "Foreign exchange rates",
    families: &[Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static IDENTITY_VERIFICATION: Operation = Operation {
    id: "identity_verification",
    title: "KYC identity search and verification",
    families: &[Family::Identity, Family::Http],
    auth: Auth::Bearer,
    // The v3 formula is undocumented: v2's (confirmed), one SDK's, and another SDK's buggy one
    // (country code twice) are all accepted, and the journal says which matched.
    signature: &[
        Formula {
            name: "v2-doc",
            fields: &[crate::signature::MERCHANT_CODE, "identity.documentNumber", "identity.countryCode"],
        },
        Formula { name: "country-document", fields: &["identity.countryCode", "identity.documentNumber"] },
        Formula { name: "country-twice", fields: &["identity.countryCode", "identity.countryCode"] },
    ],
};

pub static AIRTIME: Operation = Operation {
    id: "airtime",
    title: "Airtime purchase",
    families: &[Family::Airtime, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[
        Formula { name: "doc", fields: &["airtime.telco", "airtime.amount", "airtime.reference"] },
        // v2 also signs the merchant code (`merchant.code` in the body, or the caller's own).
        Formula {
            name: "v2-doc",
            fields: &[crate::signature::MERCHANT_CODE, "airtime.telco", "airtime.amount", "airtime.reference"],
        },
    ],
};

pub static TRANSACTION_DETAILS: Operation = Operation {
    id: "transaction_details",
    title: "Query transaction details / status",
    families: &[Family::TransactionStatus, Family::PaymentStatus, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["ref"] }],
};

/// The details query on the paths SDKs call, when they send no signature (their methods take
/// none): answered like the documented path. Signed calls there are still verified.
pub static TRANSACTION_DETAILS_UNSIGNED: Operation =
    Operation { id: "transaction_details", signature: &[], ..TRANSACTION_DETAILS };

/// v2's twin of the details query: the same answer, but v2 documents no signature for it.
pub static PAYMENT_DETAILS: Operation = Operation {
    id: "payment_details",
    title: "Query payment details (v2)",
    families: TRANSACTION_DETAILS.families,
    auth: Auth::Bearer,
    signature: &[],
};

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

pub static MINI_STATEMENT: Operation = Operation {
    id: "mini_statement",
    title: "Mini statement (last 10 transactions)",
    families: &[Family::AccountBalance, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["countryCode", "accountNumber"] }],
};

pub static OPENING_CLOSING_BALANCE: Operation = Operation {
    id: "opening_closing_balance",
    title: "Opening and closing balance",
    families: &[Family::AccountBalance, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["accountId", "countryCode", "date"] }],
};

pub static FULL_STATEMENT: Operation = Operation {
    id: "full_statement",
    title: "Full statement",
    families: &[Family::AccountBalance, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "doc", fields: &["accountNumber", "countryCode", "toDate"] }],
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

pub static BILL_PAYMENT: Operation = Operation {
    id: "bill_payment",
    title: "Bill payment",
    families: &[Family::BillTill, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "doc",
        fields: &["biller.billerCode", "bill.amount", "payer.reference", "partnerId"],
    }],
};

/// The doc shows a formula but its example, and every SDK, sends no signature: unsigned here.
pub static BILL_VALIDATION: Operation = Operation {
    id: "bill_validation",
    title: "Bill validation",
    families: &[Family::BillTill, Family::QueryBill, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static TILL_PAYMENT: Operation = Operation {
    id: "till_payment",
    title: "Merchant (till) payment",
    families: &[Family::BillTill, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "doc",
        fields: &["merchant.till", "partner.id", "payment.amount", "payment.currency", "payment.ref"],
    }],
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

pub static PESALINK_INQUIRY: Operation = Operation {
    id: "pesalink_inquiry",
    title: "PesaLink linked banks of a mobile number (v2)",
    families: &[Family::Pesalink, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static B2C_STATUS: Operation = Operation {
    id: "b2c_status",
    title: "B2C (mobile wallet) transaction status (v2)",
    families: &[Family::SendMobileWallet, Family::PaymentStatus, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static EAZZYPAY_PUSH: Operation = Operation {
    id: "eazzypay_push",
    title: "EazzyPay push (v2)",
    families: &[Family::EazzypayPush, Family::AccountProfile, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "v2-doc",
        fields: &[
            "transaction.reference",
            "transaction.amount",
            crate::signature::MERCHANT_CODE,
            "customer.countryCode",
        ],
    }],
};

pub static PAYMENT_STATUS: Operation = Operation {
    id: "payment_status",
    title: "EazzyPay payment status (v2)",
    families: &[Family::PaymentStatus, Family::QueryPayment, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static EAZZYPAY_REFUND: Operation = Operation {
    id: "eazzypay_refund",
    title: "EazzyPay refund or reversal (v2)",
    families: &[Family::Refund, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula { name: "v2-doc", fields: &["transaction.amount", "transaction.reference"] }],
};

pub static MPESA_ONLINE: Operation = Operation {
    id: "mpesa_online",
    title: "Lipa na M-Pesa Online (v2)",
    families: &[Family::MpesaOnline, Family::Generic, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static CREDIT_INFO: Operation = Operation {
    id: "credit_info",
    title: "Credit score / credit info (v2)",
    families: &[Family::Identity, Family::Http],
    auth: Auth::Bearer,
    signature: &[Formula {
        name: "v2-doc",
        fields: &[
            "customer.0.dateOfBirth",
            crate::signature::MERCHANT_CODE,
            "customer.0.identityDocument.documentNumber",
        ],
    }],
};

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

const CARD_FAMILIES: &[Family] = &[Family::Card, Family::CreateBill, Family::QueryPayment, Family::Http];

/// The one MPGS call with a documented formula (v3.2 doc).
pub static MPGS_VALIDATE: Operation = Operation {
    id: "mpgs_validate",
    title: "MPGS card: validate payment",
    families: CARD_FAMILIES,
    auth: Auth::Bearer,
    signature: &[
        Formula {
            name: "doc",
            fields: &[
                "transactionReference",
                "merchantMID",
                "apiOperation",
                "order.amount",
                "order.currency",
                "order.reference",
            ],
        },
        // The v3.1 SDK types carry no `apiOperation`.
        Formula {
            name: "without-api-operation",
            fields: &["transactionReference", "merchantMID", "order.amount", "order.currency", "order.reference"],
        },
    ],
};

/// Validate on the v3.1 path when no signature is sent: one SDK's card calls send none.
pub static MPGS_VALIDATE_UNSIGNED: Operation = Operation { signature: &[], ..MPGS_VALIDATE };

// The other MPGS calls send a signature whose formula no source documents: not verified.
pub static MPGS_AUTHENTICATE: Operation = Operation {
    id: "mpgs_authenticate",
    title: "MPGS card: authenticate payment (3-DS)",
    families: CARD_FAMILIES,
    auth: Auth::Bearer,
    signature: &[],
};

pub static MPGS_AUTHORIZE: Operation =
    Operation { id: "mpgs_authorize", title: "MPGS card: authorize payment", ..MPGS_AUTHENTICATE };

pub static MPGS_STATUS: Operation =
    Operation { id: "mpgs_status", title: "MPGS card: transaction status", ..MPGS_AUTHENTICATE };

pub static MPGS_REFUND: Operation = Operation {
    id: "mpgs_refund",
    title: "MPGS card: refund payment",
    families: &[Family::Refund, Family::Card, Family::Http],
    ..MPGS_AUTHENTICATE
};

/// v3 credit report; its formula is undocumented, so the signature is not verified.
pub static CRB: Operation = Operation {
    id: "crb",
    title: "Credit score / CRB report",
    families: &[Family::Identity, Family::Http],
    auth: Auth::Bearer,
    signature: &[],
};

pub static ALL: &[&Operation] = &[
    &AUTHENTICATE,
    &STK_PUSH,
    &ACCOUNT_BALANCE,
    &ACCOUNT_INQUIRY,
    &ACCOUNT_VALIDATION,
    &BILLERS,
    &EAZZYPAY_MERCHANTS,
    &FOREX_RATES,
    &IDENTITY_VERIFICATION,
    &AIRTIME,
    &TRANSACTION_DETAILS,
    &SEND_WITHIN_EQUITY,
    &MINI_STATEMENT,
    &OPENING_CLOSING_BALANCE,
    &FULL_STATEMENT,
    &SEND_RTGS,
    &SEND_SWIFT,
    &SEND_PESALINK_BANK,
    &SEND_PESALINK_MOBILE,
    &SEND_MOBILE_WALLET,
    &BILL_PAYMENT,
    &BILL_VALIDATION,
    &TILL_PAYMENT,
    &PAYMENT_DETAILS,
    &SEND_EFT,
    &PESALINK_INQUIRY,
    &B2C_STATUS,
    &EAZZYPAY_PUSH,
    &PAYMENT_STATUS,
    &EAZZYPAY_REFUND,
    &MPESA_ONLINE,
    &CREDIT_INFO,
    &MPESA_WALLET_STK,
    &MPESA_ORDER_STATUS,
    &PAYMENT_LINK,
    &SEND_WITHIN_EQUITY_IMT,
    &SEND_MOBILE_WALLET_IMT,
    &SEND_PESALINK_BANK_IMT,
    &SEND_PESALINK_MOBILE_IMT,
    &MPGS_VALIDATE,
    &MPGS_AUTHENTICATE,
    &MPGS_AUTHORIZE,
    &MPGS_STATUS,
    &MPGS_REFUND,
    &CRB,
];

pub fn by_id(id: &str) -> Option<&'static Operation> {
    ALL.iter().copied().find(|op| op.id == id)
}

pub fn ids() -> Vec<&'static str> {
    ALL.iter().map(|op| op.id).collect()
}
