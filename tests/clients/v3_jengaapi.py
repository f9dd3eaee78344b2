"""The checks of ``python-jengaapi`` (module ``jengaapi``), run by v3_sdks.py."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, Callable

import sandbox as harness
from sandbox import Report, ensure

from v3_common import (
    API_KEY,
    BILLER,
    CONSUMER_SECRET,
    COUNTRY,
    FUNDING_ACCOUNT,
    Fixtures,
    IDENTITY,
    MERCHANT_CODE,
    MPGS_MID,
    OTHER_ACCOUNT,
    RECIPIENT_DOCUMENTS,
    SDK_VERSIONS,
    SENDER,
    Signer,
    TILL,
    UAT_ACCOUNT,
    USD_ACCOUNT,
    callback_for,
    card_cipher,
    clip,
    expect_echo,
    identity_body,
    new_reference,
    public_methods,
    source,
    today,
    transfer,
    v3_success,
    version_of,
)


# --------------------------------------------------------------------------------------------
# python-jengaapi 2.0.1
# --------------------------------------------------------------------------------------------

JENGAAPI_COVERED = {
    "AuthorizationService": {"auth_token", "signature"},
    "AccountServices": {
        "account_balance",
        "account_mini_statement",
        "account_inquiry_bank_accounts",
        "opening_closing_account_balance",
        "account_full_statement",
    },
    "SendMoneyService": {
        "send_within_equity",
        "send_to_mobile_wallets",
        "send_rtgs",
        "send_swift",
        "send_pesa_link_to_bank_account",
        "send_pesa_link_to_mobile_number",
    },
    "SendMoneyIMTService": {
        "send_within_equity",
        "send_to_mobile_wallets",
        "send_pesa_link_to_bank_account",
        "send_pesa_link_to_mobile_number",
    },
    "ReceiveMoneyService": {"receive_payments_bill_payments", "receive_payments_merchant_payments", "bill_validation"},
    "ReceiveMoneyQueriesService": {"get_all_eazzy_pay_merchants", "query_transaction_details", "get_all_billers"},
    "MiscellaneousServices": {"purchase_airtime", "get_forex_rates", "kyc"},
    "MPGSDirectIntegration": {
        "mpgs_validate_payment",
        "mpgs_authenticate_payment",
        "mpgs_authorize_payment",
        "mpgs_query_payment",
        "mpgs_refund_payment",
    },
}


def check_jengaapi(report: Report, sandbox: harness.Sandbox, fx: Fixtures, private_key: Path, signer: Signer) -> None:
    # The SDK reads its settings from the environment when jengaapi.configs.config is imported;
    # a Config subclass changes only the base URL (the SDK appends paths to it, so the slash).
    os.environ.update(
        API_KEY=API_KEY,
        MERCHANT_CODE=MERCHANT_CODE,
        CONSUMER_SECRET=CONSUMER_SECRET,
        PRIVATE_KEY_PATH=str(private_key),
    )
    from jengaapi.configs.config import Config
    from jengaapi.services import utils
    from jengaapi.services.account_services import AccountServices
    from jengaapi.services.authorization_service import AuthorizationService
    from jengaapi.services.miscellaneous_services import MiscellaneousServices
    from jengaapi.services.mpgs_direct_integration_service import MPGSDirectIntegration
    from jengaapi.services.receive_money_queries_services import ReceiveMoneyQueriesService
    from jengaapi.services.receive_money_services import ReceiveMoneyService
    from jengaapi.services.send_money_imt_services import SendMoneyIMTService
    from jengaapi.services.send_money_services import SendMoneyService

    class SandboxConfig(Config):
        BASE_URL = sandbox.base + "/"

    classes = {
        c.__name__: c
        for c in (
            AuthorizationService,
            AccountServices,
            SendMoneyService,
            SendMoneyIMTService,
            ReceiveMoneyService,
            ReceiveMoneyQueriesService,
            MiscellaneousServices,
            MPGSDirectIntegration,
        )
    }
    p = "python-jengaapi"
    state: dict[str, Any] = {}

    def coverage() -> str:
        ensure(version_of(p) == SDK_VERSIONS[p], f"{p} {version_of(p)} installed, this test is for {SDK_VERSIONS[p]}")
        problems = []
        for name, cls in classes.items():
            public = public_methods(cls)
            if public != JENGAAPI_COVERED[name]:
                problems.append(f"{name}: untested {sorted(public - JENGAAPI_COVERED[name])}, gone {sorted(JENGAAPI_COVERED[name] - public)}")
        ensure(not problems, "; ".join(problems))
        total = sum(len(v) for v in JENGAAPI_COVERED.values())
        return f"{len(classes)} service classes, {total} public methods, all exercised below (plus utils.generate_reference)"

    report.check(f"{p}: coverage", coverage)

    auth = AuthorizationService(SandboxConfig)
    accounts = AccountServices(SandboxConfig)
    send = SendMoneyService(SandboxConfig)
    imt = SendMoneyIMTService(SandboxConfig)
    receive = ReceiveMoneyService(SandboxConfig)
    queries = ReceiveMoneyQueriesService(SandboxConfig)
    misc = MiscellaneousServices(SandboxConfig)
    mpgs = MPGSDirectIntegration(SandboxConfig)

    def token() -> str:
        bearer = auth.auth_token
        ensure(isinstance(bearer, str) and bearer.startswith("Bearer "), f"auth_token {bearer!r}")
        ensure(bearer.count(".") == 2, "the access token is not a JWT")
        state["token"] = bearer
        return f"'Bearer ' + JWT of {len(bearer) - 7} characters"

    if not report.check(f"{p}: AuthorizationService.auth_token", token):
        print(f"{p}: cannot continue without a token", flush=True)
        return
    tok = state["token"]

    def sig(*fields: str) -> bytes:
        return auth.signature(fields)

    def signature() -> str:
        got = auth.signature((COUNTRY, UAT_ACCOUNT))
        ensure(isinstance(got, bytes), f"expected bytes, got {type(got).__name__}")
        ensure(got.decode("ascii") == signer.sign(COUNTRY, UAT_ACCOUNT), "differs from RSA-SHA256 PKCS#1 v1.5 with the fixture key")
        return "Base64 (bytes) of RSA-SHA256 PKCS#1 v1.5 over the joined fields; sent as the `signature` header"

    report.check(f"{p}: AuthorizationService.signature", signature)

    def generate_reference() -> str:
        ref = utils.generate_reference()
        ensure(re.fullmatch(r"\d{12}", ref) is not None, f"{ref!r} is not 12 digits")
        return f"{ref} (YYYYMMDDHHMM: unique per minute only, so the test uses its own references)"

    report.check(f"{p}: utils.generate_reference", generate_reference)

    # -- account services ----------------------------------------------------------------------

    def balance() -> str:
        result = v3_success(accounts.account_balance(sig(COUNTRY, UAT_ACCOUNT), tok, COUNTRY, UAT_ACCOUNT))
        data = result.get("data") or {}
        amounts = {b.get("type"): b.get("amount") for b in data.get("balances", [])}
        ensure(set(amounts) == {"Available", "Current"}, f"balance types {sorted(amounts)}")
        fixture = fx.accounts[UAT_ACCOUNT]["balance"]
        ensure(amounts["Available"] == fixture, f"Available {amounts['Available']!r}, fixture balance {fixture!r}")
        ensure(data.get("currency") == fx.accounts[UAT_ACCOUNT]["currency"], f"currency {data.get('currency')!r}")
        return clip(data, 200)

    report.check(f"{p}: AccountServices.account_balance", balance)

    def mini_statement() -> str:
        result = v3_success(accounts.account_mini_statement(sig(COUNTRY, UAT_ACCOUNT), tok, COUNTRY, UAT_ACCOUNT))
        data = result.get("data") or {}
        ensure(data.get("accountNumber") == UAT_ACCOUNT, f"accountNumber {data.get('accountNumber')!r}")
        ensure(isinstance(data.get("transactions"), list), f"transactions {clip(data.get('transactions'))}")
        ensure(len(data["transactions"]) <= 10, f"{len(data['transactions'])} transactions in a mini statement")
        return f"{len(data['transactions'])} transactions, balance {data.get('balance')!r}"

    report.check(f"{p}: AccountServices.account_mini_statement", mini_statement)

    def inquiry() -> str:
        result = v3_success(accounts.account_inquiry_bank_accounts(sig(COUNTRY, UAT_ACCOUNT), tok, COUNTRY, UAT_ACCOUNT))
        data = result.get("data") or {}
        account, customers = data.get("account") or {}, data.get("customer") or []
        ensure(account.get("number") == UAT_ACCOUNT, f"account.number {account.get('number')!r}")
        ensure(customers and customers[0].get("name") == fx.name(UAT_ACCOUNT), f"customer {clip(customers)}")
        return f"{account.get('number')} {account.get('status')} {customers[0].get('name')}"

    report.check(f"{p}: AccountServices.account_inquiry_bank_accounts", inquiry)

    def opening_closing() -> str:
        payload = {"countryCode": COUNTRY, "accountId": UAT_ACCOUNT, "date": today()}
        result = accounts.opening_closing_account_balance(sig(UAT_ACCOUNT, COUNTRY, today()), tok, **payload)
        data = v3_success(result).get("data") or {}
        types = {b.get("type") for b in data.get("balances", [])}
        ensure(types == {"Opening Balance", "Closing Balance"}, f"balance types {sorted(map(str, types))}")
        return clip(data, 200)

    report.check(f"{p}: AccountServices.opening_closing_account_balance", opening_closing)

    # -- send money (the full statement afterwards sees the transfers) --------------------------

    def within_equity() -> str:
        before = v3_success(accounts.account_balance(sig(COUNTRY, OTHER_ACCOUNT), tok, COUNTRY, OTHER_ACCOUNT), "balance before")
        ref = new_reference()
        payload = {
            "source": source(fx),
            "destination": {"type": "bank", "countryCode": COUNTRY, "name": fx.name(OTHER_ACCOUNT), "accountNumber": OTHER_ACCOUNT},
            "transfer": transfer("InternalFundsTransfer", "500.00", ref),
        }
        result = v3_success(send.send_within_equity(sig(FUNDING_ACCOUNT, "500.00", "KES", ref), tok, **payload))
        expect_echo(result, "reference", ref)
        ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
        after = v3_success(accounts.account_balance(sig(COUNTRY, OTHER_ACCOUNT), tok, COUNTRY, OTHER_ACCOUNT), "balance after")

        def available(r: dict) -> float:
            return float(next(b["amount"] for b in r["data"]["balances"] if b["type"] == "Available"))

        ensure(abs(available(after) - available(before) - 500.0) < 0.005, f"destination {available(before)} -> {available(after)}, not +500")
        state["transfer_ref"] = ref
        return f"ref {ref}: {clip(result.get('data'), 120)}; destination credited 500.00"

    report.check(f"{p}: SendMoneyService.send_within_equity", within_equity)

    def mobile_wallet(service: Any, imt_fields: bool) -> Callable[[], str]:
        def check() -> str:
            ref = new_reference()
            sink = f"jengaapi-mobile-{ref}"
            destination = {"type": "mobile", "countryCode": COUNTRY, "name": "A N Other", "mobileNumber": "254722000000", "walletName": "Mpesa"}
            payload: dict[str, Any] = {
                "source": source(fx),
                "destination": destination,
                "transfer": transfer("MobileWallet", "1000.00", ref, callbackUrl=sandbox.sink_url(sink)),
            }
            if imt_fields:
                payload["sender"] = dict(SENDER)
                destination.update(RECIPIENT_DOCUMENTS, mobileNumber="254722000000")
            result = v3_success(service.send_to_mobile_wallets(sig("1000.00", "KES", ref, FUNDING_ACCOUNT), tok, **payload))
            expect_echo(result, "reference", ref)
            callback = callback_for(sandbox, sink, "transactionReference", ref)
            ensure(callback.get("status") is True, f"callback {clip(callback)}")
            return f"ref {ref}: {clip(result.get('data'), 100)}; callback {clip(callback, 160)}"

        return check

    report.check(f"{p}: SendMoneyService.send_to_mobile_wallets (callback to the sink)", mobile_wallet(send, False))

    def rtgs_or_swift(method: Callable[..., Any], kind: str) -> Callable[[], str]:
        def check() -> str:
            ref = new_reference()
            if kind == "RTGS":
                src = dict(source(fx), currency="KES")
                destination = {"type": "bank", "countryCode": COUNTRY, "name": "Tom Doe", "bankCode": "61", "accountNumber": OTHER_ACCOUNT}
                tr, amount = transfer("RTGS", "200.00", ref, purposeOfPaymentCode="GOOD"), "200.00"
            else:
                src = dict(source(fx, USD_ACCOUNT), sourceCurrency="USD")
                destination = {
                    "type": "bank",
                    "countryCode": "IT",
                    "currency": "USD",
                    "name": "rtest",
                    "bankBic": "BRASITMMXXX",
                    "accountNumber": "10291281982198",
                    "addressline1": "24rth Street Turin",
                }
                tr, amount = transfer("SWIFT", "200.98", ref, currency="USD", chargeOption="SELF"), "200.98"
            payload = {"source": src, "destination": destination, "transfer": tr}
            signature = sig(ref, today(), src["accountNumber"], destination["accountNumber"], amount)
            result = v3_success(method(signature, tok, **payload))
            expect_echo(result, "reference", ref)
            ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
            return f"ref {ref}: {clip(result.get('data'), 120)}"

        return check

    report.check(f"{p}: SendMoneyService.send_rtgs", rtgs_or_swift(send.send_rtgs, "RTGS"))
    report.check(f"{p}: SendMoneyService.send_swift", rtgs_or_swift(send.send_swift, "SWIFT"))

    def pesalink(method: Callable[..., Any], to_mobile: bool, imt_fields: bool) -> Callable[[], str]:
        def check() -> str:
            ref = new_reference()
            if to_mobile:
                destination = {"type": "mobile", "countryCode": COUNTRY, "name": "A N Other", "bankCode": "01", "mobileNumber": "0722000000"}
            else:
                destination = {
                    "type": "bank",
                    "countryCode": COUNTRY,
                    "name": "Tom Doe",
                    "bankCode": "57",
                    "accountNumber": "99901288715910",
                    "mobileNumber": "0722000000",
                }
            payload: dict[str, Any] = {"source": source(fx), "destination": destination, "transfer": transfer("PesaLink", "500.00", ref)}
            if imt_fields:
                payload["sender"] = dict(SENDER)
                for key, value in RECIPIENT_DOCUMENTS.items():
                    destination.setdefault(key, value)
            signature = sig("500.00", "KES", ref, destination["name"], FUNDING_ACCOUNT)
            result = v3_success(method(signature, tok, **payload))
            expect_echo(result, "reference", ref)
            ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
            return f"ref {ref}: {clip(result.get('data'), 120)}"

        return check

    report.check(f"{p}: SendMoneyService.send_pesa_link_to_bank_account", pesalink(send.send_pesa_link_to_bank_account, False, False))
    report.check(f"{p}: SendMoneyService.send_pesa_link_to_mobile_number", pesalink(send.send_pesa_link_to_mobile_number, True, False))

    # -- send money, IMT (remittance/{rail}/imt) ----------------------------------------------

    def imt_within_equity() -> str:
        ref = new_reference()
        destination = {"type": "bank", "countryCode": COUNTRY, "name": fx.name(OTHER_ACCOUNT), "accountNumber": OTHER_ACCOUNT}
        destination.update(RECIPIENT_DOCUMENTS)
        payload = {
            "source": source(fx),
            "sender": dict(SENDER),
            "destination": destination,
            "transfer": transfer("InternalFundsTransfer", "750.00", ref),
        }
        result = v3_success(imt.send_within_equity(sig(FUNDING_ACCOUNT, "750.00", "KES", ref), tok, **payload))
        expect_echo(result, "reference", ref)
        ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
        return f"ref {ref}: {clip(result.get('data'), 120)}"

    report.check(f"{p}: SendMoneyIMTService.send_within_equity", imt_within_equity)
    report.check(f"{p}: SendMoneyIMTService.send_to_mobile_wallets (callback to the sink)", mobile_wallet(imt, True))
    report.check(f"{p}: SendMoneyIMTService.send_pesa_link_to_bank_account", pesalink(imt.send_pesa_link_to_bank_account, False, True))
    report.check(f"{p}: SendMoneyIMTService.send_pesa_link_to_mobile_number", pesalink(imt.send_pesa_link_to_mobile_number, True, True))

    def full_statement() -> str:
        payload = {
            "countryCode": COUNTRY,
            "accountNumber": FUNDING_ACCOUNT,
            "fromDate": (dt.date.fromisoformat(today()) - dt.timedelta(days=30)).isoformat(),
            "toDate": today(),
            "limit": 50,
        }
        result = accounts.account_full_statement(sig(FUNDING_ACCOUNT, COUNTRY, today()), tok, **payload)
        data = v3_success(result).get("data") or {}
        txs = data.get("transactions")
        ensure(isinstance(txs, list), f"transactions {clip(txs)}")
        if "transfer_ref" in state:
            ensure(any(state["transfer_ref"] in json.dumps(t) for t in txs), f"the transfer {state['transfer_ref']} is not in the statement")
        return f"{len(txs)} transactions, including this run's transfer within Equity"

    report.check(f"{p}: AccountServices.account_full_statement", full_statement)

    # -- receive money -------------------------------------------------------------------------

    def bill_payment() -> str:
        ref = new_reference()
        payload = {
            "biller": {"billerCode": BILLER, "countryCode": COUNTRY},
            "bill": {"reference": "10170476767676", "amount": "111.00", "currency": "KES"},
            "payer": {"name": "A. N Other", "account": "101704", "reference": ref, "mobileNumber": "0764555320"},
            "partnerId": FUNDING_ACCOUNT,
            "remarks": "v3 SDK compatibility test",
        }
        result = v3_success(receive.receive_payments_bill_payments(sig(BILLER, "111.00", ref, FUNDING_ACCOUNT), tok, **payload))
        expect_echo(result, "reference", ref)
        ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
        state["bill_ref"] = ref
        return f"ref {ref}: {clip(result, 200)}"

    report.check(f"{p}: ReceiveMoneyService.receive_payments_bill_payments", bill_payment)

    def till_payment() -> str:
        ref = new_reference()
        payload = {
            "merchant": {"till": TILL},
            "payment": {"ref": ref, "amount": "1000.00", "currency": "KES"},
            "partner": {"id": FUNDING_ACCOUNT, "ref": "987654321"},
        }
        result = v3_success(receive.receive_payments_merchant_payments(sig(TILL, FUNDING_ACCOUNT, "1000.00", "KES", ref), tok, **payload))
        return f"ref {ref}: {clip(result, 200)}"

    report.check(f"{p}: ReceiveMoneyService.receive_payments_merchant_payments", till_payment)

    def bill_validation() -> str:
        payload = {"billerCode": BILLER, "customerRefNumber": "28055948", "amount": "1000.00", "amountCurrency": "KES"}
        # The doc's formula; the doc's example (and the sandbox) need no signature here.
        result = v3_success(receive.bill_validation(sig(BILLER, "1000.00", "KES"), tok, **payload))
        data = result.get("data") or {}
        ensure(data.get("customerRefNumber") == "28055948", f"customerRefNumber {data.get('customerRefNumber')!r}")
        ensure(data.get("status") is True, f"data.status {data.get('status')!r}")
        return clip(data, 200)

    report.check(f"{p}: ReceiveMoneyService.bill_validation", bill_validation)

    # -- queries -------------------------------------------------------------------------------

    def merchants() -> str:
        result = queries.get_all_eazzy_pay_merchants(tok, page=1, per_page=10)
        ensure(isinstance(result, dict) and isinstance(result.get("merchants"), list), f"not {{merchants: [...]}}: {clip(result)}")
        tills = {m.get("tillnumber") for m in result["merchants"]}
        ensure(result["merchants"] and tills <= fx.tills, f"tills {sorted(map(str, tills))} not from the fixture")
        return f"{len(result['merchants'])} merchants, first {clip(result['merchants'][0], 120)}"

    report.check(f"{p}: ReceiveMoneyQueriesService.get_all_eazzy_pay_merchants", merchants)

    def billers() -> str:
        result = v3_success(queries.get_all_billers(tok, page=1, per_page=5, category="utilities"))
        items = (result.get("data") or {}).get("billers")
        ensure(isinstance(items, list) and 0 < len(items) <= 5, f"billers {clip(items)}")
        utilities = {b["code"] for b in fx.billers if b.get("category") == "utilities"}
        ensure(all(b.get("code") in utilities for b in items), f"not all utilities: {clip(items)}")
        return f"{len(items)} utilities billers, first {items[0]}"

    report.check(f"{p}: ReceiveMoneyQueriesService.get_all_billers", billers)

    def details() -> str:
        ensure("bill_ref" in state, "no known reference: the bill payment above failed")
        ref = state["bill_ref"]
        # The SDK sends no signature for this call (it takes none).
        data = v3_success(queries.query_transaction_details(tok, ref)).get("data") or {}
        ensure(data.get("transactionReference") == ref, f"transactionReference {data.get('transactionReference')!r}, asked {ref!r}")
        ensure(data.get("state") == "Success" and data.get("stateCode") == 2, f"state {data.get('state')!r} {data.get('stateCode')!r}")
        return clip(data, 240)

    report.check(f"{p}: ReceiveMoneyQueriesService.query_transaction_details (unsigned)", details)

    # -- miscellaneous -------------------------------------------------------------------------

    def airtime() -> str:
        ref = new_reference()
        payload = {
            "customer": {"countryCode": COUNTRY, "mobileNumber": "0765555131"},
            "airtime": {"amount": "100", "reference": ref, "telco": "Safaricom"},
        }
        result = v3_success(misc.purchase_airtime(sig("Safaricom", "100", ref), tok, **payload))
        data = result.get("data") or {}
        ensure(data.get("referenceNumber") == ref and data.get("status") == "SUCCESS", f"data {clip(data)}")
        return f"ref {ref}: {clip(data, 120)}"

    report.check(f"{p}: MiscellaneousServices.purchase_airtime", airtime)

    def forex() -> str:
        payload = {"countryCode": COUNTRY, "currencyCode": "USD", "amount": 1042, "toCurrency": "KES"}
        data = v3_success(misc.get_forex_rates(None, tok, **payload)).get("data") or {}
        ensure(data.get("rate") == 122.6 and data.get("convertedAmount") == 127749.2, f"data {clip(data)} (expected rate 122.6, 127749.2)")
        return clip(data, 200)

    report.check(f"{p}: MiscellaneousServices.get_forex_rates (unsigned)", forex)

    def kyc() -> str:
        # The v2 doc's formula (the v3 one is undocumented): merchantCode+documentNumber+countryCode.
        result = v3_success(misc.kyc(sig(MERCHANT_CODE, IDENTITY[1], IDENTITY[0]), tok, **identity_body(fx)))
        identity = (result.get("data") or {}).get("identity") or {}
        ensure(identity.get("documentNumber") == IDENTITY[1], f"documentNumber {identity.get('documentNumber')!r}")
        name = (identity.get("customer") or {}).get("firstName")
        ensure(name == fx.person["customer"]["firstName"], f"firstName {name!r}")
        return f"{identity.get('documentType')} {identity.get('documentNumber')}: {(identity.get('customer') or {}).get('fullName')}"

    report.check(f"{p}: MiscellaneousServices.kyc", kyc)

    # -- MPGS card calls (v3.1 paths) -----------------------------------------------------------

    card = {
        "cardNumber": card_cipher("5123450000000008"),
        "cardSecurity": card_cipher("100"),
        "cardExpiryYear": "39",
        "cardExpiryMonth": "12",
    }
    mpgs_ref = "DEV" + new_reference()
    order_ref = "ORDER" + new_reference()

    def mpgs_validate() -> str:
        # The v3.2 doc's body and formula (the v3.1 SDK documents none).
        payload = {
            "transactionReference": mpgs_ref,
            "merchantMID": MPGS_MID,
            "apiOperation": "CREATE_SESSION",
            "responseUrl": sandbox.sink_url("jengaapi-mpgs-response"),
            "returnUrl": "https://merchant.example.com/return",
            "merchantLogo": "https://merchant.example.com/logo.png",
            "order": {"amount": 100.56, "currency": "USD", "reference": order_ref},
            "customer": {"firstName": "JOHN", "lastName": "DOE", "email": "john.doe@example.com"},
        }
        signature = sig(mpgs_ref, MPGS_MID, "CREATE_SESSION", "100.56", "USD", order_ref)
        result = mpgs.mpgs_validate_payment(signature, tok, **payload)
        ensure(isinstance(result, dict) and result.get("status") is True, f"status not true: {clip(result)}")
        data = result.get("data") or {}
        ensure(data.get("amount") == 100.56 and isinstance(data.get("charge"), (int, float)), f"data {clip(data)}")
        state["mpgs_validated"] = True
        return f"ref {mpgs_ref}: {clip(result, 200)}"

    def mpgs_step(method: Callable[..., Any], payload: dict, expect: Callable[[dict], bool], what: str) -> Callable[[], str]:
        def check() -> str:
            ensure(state.get("mpgs_validated"), "the payment was not validated above")
            # No source documents these formulas; the transaction reference is signed.
            result = method(sig(mpgs_ref), tok, **payload)
            ensure(isinstance(result, dict) and result.get("status") is True, f"status not true: {clip(result)}")
            data = result.get("data") or {}
            ensure(data.get("transactionReference") in (None, mpgs_ref), f"transactionReference {data.get('transactionReference')!r}")
            ensure(expect(data), f"{what}: data {clip(data)}")
            return clip(result, 200)

        return check

    report.check(f"{p}: MPGSDirectIntegration.mpgs_validate_payment", mpgs_validate)
    report.check(
        f"{p}: MPGSDirectIntegration.mpgs_authenticate_payment",
        mpgs_step(mpgs.mpgs_authenticate_payment, {"transactionReference": mpgs_ref, "sourceOfFunds": card}, lambda d: True, "authenticated"),
    )
    authorize = {
        "transactionReference": mpgs_ref,
        "customer": {
            "email": "john.doe@example.com",
            "firstName": "JOHN",
            "lastName": "DOE",
            "cardFirstName": "JOHN",
            "cardLastName": "DOE",
            "mobilePhone": "254722000000",
        },
        "order": {
            "reference": order_ref,
            "amount": 100.56,
            "currency": "USD",
            "description": "v3 SDK compatibility test",
            "subMerchant": {
                "address": {"city": "Nairobi", "company": "Sportify Ltd", "postalZip": "00100", "stateProvince": "Nairobi", "street": "Moi Avenue"},
                "email": "shop@example.com",
                "tradingName": "Sportify",
                "phone": "254722000001",
                "identifier": MERCHANT_CODE,
            },
        },
        "sourceOfFunds": card,
        "transaction": {"source": "INTERNET", "sourceOwner": "CARDHOLDER"},
    }
    report.check(
        f"{p}: MPGSDirectIntegration.mpgs_authorize_payment",
        mpgs_step(mpgs.mpgs_authorize_payment, authorize, lambda d: d.get("status") not in ("FAILED", "DECLINED"), "authorized"),
    )
    report.check(
        f"{p}: MPGSDirectIntegration.mpgs_query_payment",
        mpgs_step(
            mpgs.mpgs_query_payment,
            {"transactionReference": mpgs_ref, "orderReference": order_ref},
            lambda d: d.get("status") == "SUCCESS",
            "status SUCCESS after authorization",
        ),
    )
    report.check(
        f"{p}: MPGSDirectIntegration.mpgs_refund_payment",
        mpgs_step(
            mpgs.mpgs_refund_payment,
            {"transactionReference": mpgs_ref, "amount": 100.56, "merchantNote": "v3 SDK compatibility test refund"},
            lambda d: True,
            "refunded",
        ),
    )
