"""The checks of ``jenga-api-client`` (module ``jenga_client``), run by v3_sdks.py."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sandbox as harness
from sandbox import CheckFailed, Report, ensure

from v3_common import (
    API_KEY,
    BILLER,
    CONSUMER_SECRET,
    COUNTRY,
    FUNDING_ACCOUNT,
    Fixtures,
    IDENTITY,
    MERCHANT_CODE,
    OTHER_ACCOUNT,
    RECIPIENT_DOCUMENTS,
    SDK_VERSIONS,
    SENDER,
    STK_ACCOUNT,
    Signer,
    callback_for,
    clip,
    new_reference,
    public_methods,
    today,
    v3_success,
    version_of,
)


# --------------------------------------------------------------------------------------------
# jenga-api-client 1.0.0 (OpenAPI-generated)
# --------------------------------------------------------------------------------------------

OPENAPI_COVERED = {
    "authentication_api_v3_authenticate_merchant_post",
    "v3_apis_payment_api_v30_stkussdpush_initiate_post",
    "v3_apis_transaction_api_v30_billers_get",
    "v3_apis_transaction_api_v30_bills_pay_post",
    "v3_apis_transaction_api_v30_bills_validation_post",
    "v3_apis_transaction_api_v30_merchants_get",
    "v3_apis_transaction_api_v30_remittance_internal_bank_transfer_imt_post",
    "v3_apis_transaction_api_v30_transaction_transaction_id_get",
    "api_checkout_mpesa_stk_push_v30_init_post",
    "api_checkout_mpesa_stk_push_v30_status_order_reference_get",
    "api_checkout_api_v1_create_payment_link_post",
}


def check_openapi(report: Report, sandbox: harness.Sandbox, fx: Fixtures, signer: Signer) -> None:
    import jenga_client
    from jenga_client import models as m
    from pydantic import ValidationError

    p = "jenga-api-client"
    # Only the host changes; the API key is the ApiKeyAuth scheme (header Api-Key).
    config = jenga_client.Configuration(host=sandbox.base, api_key={"ApiKeyAuth": API_KEY})
    api = jenga_client.DefaultApi(jenga_client.ApiClient(config))
    state: dict[str, Any] = {}

    def signed(signature: str | None) -> None:
        """The SignatureAuth scheme sends config.api_key['SignatureAuth'] as the Signature header."""
        if signature is None:
            config.api_key.pop("SignatureAuth", None)
        else:
            config.api_key["SignatureAuth"] = signature

    def coverage() -> str:
        ensure(version_of(p) == SDK_VERSIONS[p], f"{p} {version_of(p)} installed, this test is for {SDK_VERSIONS[p]}")
        suffixes = ("_with_http_info", "_without_preload_content")
        operations = {n for n in public_methods(jenga_client.DefaultApi) if not n.endswith(suffixes)}
        ensure(operations == OPENAPI_COVERED, f"untested {sorted(operations - OPENAPI_COVERED)}, gone {sorted(OPENAPI_COVERED - operations)}")
        return f"DefaultApi: {len(operations)} operations (each also as _with_http_info/_without_preload_content), all exercised below"

    report.check(f"{p}: coverage", coverage)

    def authenticate() -> str:
        request = m.AuthenticationRequest(merchantCode=MERCHANT_CODE, consumerSecret=CONSUMER_SECRET)
        result = api.authentication_api_v3_authenticate_merchant_post(request)
        ensure(isinstance(result, m.AuthenticationResponse), f"got {type(result).__name__}")
        ensure(result.access_token and result.access_token.count(".") == 2, "no JWT accessToken")
        ensure(result.token_type == "Bearer", f"tokenType {result.token_type!r}")
        ensure(result.expires_in and result.issued_at, "expiresIn/issuedAt missing")
        lifetime = (result.expires_in - result.issued_at).total_seconds()
        ensure(lifetime == 900, f"expiresIn - issuedAt = {lifetime}s, expected 900 s")
        config.access_token = result.access_token
        return f"JWT of {len(result.access_token)} characters, valid {lifetime:.0f}s (expiresIn, issuedAt parsed as date-times)"

    if not report.check(f"{p}: authentication_api_v3_authenticate_merchant_post", authenticate):
        print(f"{p}: cannot continue without a token", flush=True)
        return

    def stk_push() -> str:
        ref = "SDK" + new_reference()[-9:]  # 12 letters or digits
        sink = f"openapi-stk-{ref}"
        mobile = "254764555291"
        payment = m.EquitelPushRequestPayment(
            ref=ref,
            mobileNumber=mobile,
            telco="Equitel",
            amount="5.00",
            date=dt.date.fromisoformat(today()),
            callBackUrl=sandbox.sink_url(sink),
            pushType="STK",
        )
        merchant = m.EquitelPushRequestMerchant(countryCode=COUNTRY, accountNumber=STK_ACCOUNT, name=fx.name(STK_ACCOUNT))
        # The model has no payment.currency (so the body carries none); the documented formula
        # ends with it, and KE's currency is KES.
        signed(signer.sign(STK_ACCOUNT, ref, mobile, "Equitel", "5.00", "KES"))
        result = api.v3_apis_payment_api_v30_stkussdpush_initiate_post(m.EquitelPushRequest(merchant=merchant, payment=payment))
        ensure(result.status is True and result.code == -1, f"status {result.status!r} code {result.code!r}: {result.message!r}")
        ensure(result.reference == ref, f"reference {result.reference!r}, sent {ref!r}")
        body = callback_for(sandbox, sink, "transactionReference", ref)
        callback = m.EquitelCallbackResponse.from_dict(body)  # the SDK's own callback model
        ensure(callback.code == 3 and callback.status is True, f"callback code {callback.code!r} status {callback.status!r}")
        ensure(callback.mobile_number == mobile and callback.telco == "Equitel", f"callback {clip(body)}")
        return f"ref {ref}: ack code -1, transactionId {result.transaction_id!r}; callback code 3 {callback.message!r}"

    report.check(f"{p}: v3_apis_payment_api_v30_stkussdpush_initiate_post (callback to the sink)", stk_push)

    def billers() -> str:
        # The SDK models this answer as {code: string, data: [{billerCode, billerName, ...}]};
        # the documented answer (reference §8.2, which the sandbox follows) is
        # {code: 0, data: {billers: [{name, code}]}}, which its strict models refuse.
        # BillersResponse.from_dict iterates data as a list, so over the object's keys first:
        # Biller.from_dict("billers") fails (and code 0 would fail StrictStr next).
        try:
            result = api.v3_apis_transaction_api_v30_billers_get()
        except ValidationError as e:
            known = all(
                (err["loc"] and err["loc"][0] in ("code", "data")) or (err.get("ctx") or {}).get("class_name") == "Biller"
                for err in e.errors()
            )
            ensure(known, f"ValidationError, but not the known one: {e}")
            raw = api.v3_apis_transaction_api_v30_billers_get_without_preload_content()
            ensure(raw.status == 200, f"raw HTTP {raw.status}")
            body = json.loads(raw.data)
            items = v3_success(body).get("data", {}).get("billers")
            ensure(isinstance(items, list) and items, f"documented data.billers missing: {clip(body)}")
            first = e.errors()[0]
            return (
                f"known SDK bug: its BillersResponse model (code a string, data a list of Biller) refuses the documented "
                f"answer ({first['msg']}, input {first['input']!r}); the same call unparsed: HTTP 200 with {len(items)} billers"
            )
        raise CheckFailed(f"the SDK parsed the billers answer ({clip(result.to_dict())}): the documented shape changed or the SDK was fixed; update this test")

    report.check(f"{p}: v3_apis_transaction_api_v30_billers_get", billers)

    def bill_payment() -> str:
        ref = new_reference()
        request = m.BillPaymentRequest(
            biller=m.BillPaymentRequestBiller(billerCode=BILLER, countryCode=COUNTRY),
            bill=m.BillPaymentRequestBill(reference="10170476767676", amount="111.00", currency="KES"),
            payer=m.BillPaymentRequestPayer(name="A. N Other", account="101704", reference=ref, mobileNumber="0764555320"),
            partnerId=FUNDING_ACCOUNT,
            remarks="v3 SDK compatibility test",
        )
        signed(signer.sign(BILLER, "111.00", ref, FUNDING_ACCOUNT))
        result = api.v3_apis_transaction_api_v30_bills_pay_post(request)
        ensure(result.status is True and result.code == 0, f"status {result.status!r} code {result.code!r}")
        ensure(result.reference in (None, ref), f"reference {result.reference!r}, sent {ref!r}")
        ensure(result.data is not None and result.data.status == "SUCCESS", f"data {result.data!r}")
        return f"ref {ref}: transactionId {result.data.transaction_id!r}"

    report.check(f"{p}: v3_apis_transaction_api_v30_bills_pay_post", bill_payment)

    def bill_validation() -> str:
        request = m.BillValidationRequest(billerCode=BILLER, customerRefNumber="28055948", amount="1000.00", amountCurrency="KES")
        signed(signer.sign(BILLER, "1000.00", "KES"))  # the doc's formula; the sandbox needs none
        result = api.v3_apis_transaction_api_v30_bills_validation_post(request)
        ensure(result.status is True and result.code == 0, f"status {result.status!r} code {result.code!r}")
        ensure(result.data and result.data.customer_ref_number == "28055948" and result.data.status is True, f"data {result.data!r}")
        return f"{result.data.name!r}, billStatus {result.data.bill_status!r}, amount {result.data.amount!r}"

    report.check(f"{p}: v3_apis_transaction_api_v30_bills_validation_post", bill_validation)

    def merchants() -> str:
        result = api.v3_apis_transaction_api_v30_merchants_get(per_page=10, page=1)
        ensure(result.merchants, "no merchants")
        tills = {x.tillnumber for x in result.merchants}
        ensure(tills <= fx.tills, f"tills {sorted(map(str, tills))} not from the fixture")
        return f"{len(result.merchants)} merchants, first {result.merchants[0].name!r} till {result.merchants[0].tillnumber!r}"

    report.check(f"{p}: v3_apis_transaction_api_v30_merchants_get", merchants)

    def imt_within_equity() -> str:
        ref = new_reference()
        request = m.IMTWithinEquityRequest(
            source=m.IMTWithinEquityRequestSource(countryCode=COUNTRY, name=fx.name(FUNDING_ACCOUNT), accountNumber=FUNDING_ACCOUNT),
            sender=m.IMTWithinEquityRequestSender(**SENDER),
            destination=m.IMTWithinEquityRequestDestination(
                type="bank",
                countryCode=COUNTRY,
                name=fx.name(OTHER_ACCOUNT),
                bankCode="68",
                accountNumber=OTHER_ACCOUNT,
                **RECIPIENT_DOCUMENTS,
            ),
            transfer=m.IMTWithinEquityRequestTransfer(
                type="InternalFundsTransfer",
                amount="250.00",
                currencyCode="KES",
                reference=ref,
                date=dt.date.fromisoformat(today()),
                description="v3 SDK compatibility test",
            ),
        )
        signed(signer.sign(FUNDING_ACCOUNT, "250.00", "KES", ref))
        result = api.v3_apis_transaction_api_v30_remittance_internal_bank_transfer_imt_post(request)
        ensure(result.status is True and result.code == 0, f"status {result.status!r} code {result.code!r}")
        ensure(result.data is not None and result.data.status == "SUCCESS", f"data {result.data!r}")
        state["imt_ref"] = ref
        return f"ref {ref}: transactionId {result.data.transaction_id!r}"

    report.check(f"{p}: v3_apis_transaction_api_v30_remittance_internal_bank_transfer_imt_post", imt_within_equity)

    def transaction() -> str:
        ensure("imt_ref" in state, "no known reference: the IMT transfer above failed")
        ref = state["imt_ref"]
        # Not a SignatureAuth operation in this SDK: it sends no Signature header.
        result = api.v3_apis_transaction_api_v30_transaction_transaction_id_get(ref)
        ensure(result.status is True and result.code == "0", f"status {result.status!r} code {result.code!r}")
        ensure(result.data is not None and result.data.state_code == 2, f"data {result.data!r}")
        return f"ref {ref}: {clip(result.to_dict(), 200)}"

    report.check(f"{p}: v3_apis_transaction_api_v30_transaction_transaction_id_get (unsigned)", transaction)

    def wallet_stk() -> str:
        order = "OR" + new_reference()
        sink = f"openapi-wallet-{order}"
        msisdn = "254716730442"
        request = m.MPesaStkPushRequest(
            order=m.MPesaStkPushRequestOrder(
                orderReference=order,
                orderAmount=100,
                orderCurrency="KES",
                source="APICHECKOUT",
                countryCode=COUNTRY,
                description="v3 SDK compatibility test",
            ),
            customer=m.MPesaStkPushRequestCustomer(
                name="John Doe", email="john.doe@example.com", phoneNumber=msisdn, identityNumber=IDENTITY[1]
            ),
            payment=m.MPesaStkPushRequestPayment(
                paymentReference="PAY" + new_reference(),
                paymentCurrency="KES",
                channel="MOBILE",
                service="MPESA",
                provider="JENGA",
                callbackUrl=sandbox.sink_url(sink),
                details=m.MPesaStkPushRequestPaymentDetails(msisdn=msisdn, paymentAmount=100),
            ),
        )
        # The JSON number 100 is signed as its text, "100".
        signed(signer.sign(order, "KES", msisdn, "100"))
        result = api.api_checkout_mpesa_stk_push_v30_init_post(request)
        ensure(result.status is True and result.code == "0", f"status {result.status!r} code {result.code!r}: {result.message!r}")
        ensure(result.data and result.data.order and result.data.order.order_reference == order, f"data {result.data!r}")
        body = callback_for(sandbox, sink, "customer.reference", order)
        callback = m.MPesaCallbackResponse.from_dict(body)  # the SDK's own IPN model
        ensure(callback.transaction and callback.transaction.status == "SUCCESS", f"callback {clip(body)}")
        state["order"] = order
        return f"order {order}: {result.message!r}; callback {callback.callback_type} {callback.transaction.status} {callback.transaction.reference!r}"

    report.check(f"{p}: api_checkout_mpesa_stk_push_v30_init_post (callback to the sink)", wallet_stk)

    def order_status() -> str:
        ensure("order" in state, "no known order: the wallet STK push above failed")
        signed(None)  # documented without a signature
        result = api.api_checkout_mpesa_stk_push_v30_status_order_reference_get(state["order"])
        ensure(result.status is True and result.code == "0", f"status {result.status!r} code {result.code!r}")
        order = result.data.order if result.data else None
        ensure(order is not None and order.order_reference == state["order"], f"data {result.data!r}")
        ensure(order.order_status == "Paid", f"orderStatus {order.order_status!r} after the success callback")
        return f"order {order.order_reference}: {order.order_status}, paid {order.amount_paid}"

    report.check(f"{p}: api_checkout_mpesa_stk_push_v30_status_order_reference_get", order_status)

    def payment_link() -> str:
        external = "LINK" + new_reference()
        expiry = (dt.date.fromisoformat(today()) + dt.timedelta(days=7)).isoformat()
        request = m.PaymentLinkRequest(
            customers=[
                m.PaymentLinkRequestCustomersInner(
                    firstName="John", lastName="Doe", email="john.doe@example.com", phoneNumber="0722000000", countryCode=COUNTRY
                )
            ],
            paymentLink=m.PaymentLinkRequestPaymentLink(
                expiryDate=dt.date.fromisoformat(expiry),
                saleDate=dt.date.fromisoformat(today()),
                saleType="SERVICE",
                paymentLinkType="SINGLE",
                name="Annual subscription",
                description="v3 SDK compatibility test",
                externalRef=external,
                amountOption="RESTRICTED",
                amount=1500,
                currency="KES",
            ),
            notifications=["EMAIL", "SMS"],
        )
        signed(signer.sign(expiry, "1500", "KES", "RESTRICTED", external))
        result = api.api_checkout_api_v1_create_payment_link_post(request)
        ensure(result.status is True, f"status {result.status!r} code {result.code!r}: {result.message!r}")
        ensure(result.data and result.data.external_ref == external and result.data.payment_link_ref, f"data {result.data!r}")
        return f"externalRef {external}: paymentLinkRef {result.data.payment_link_ref!r}, status {result.data.status!r}"

    report.check(f"{p}: api_checkout_api_v1_create_payment_link_post", payment_link)
