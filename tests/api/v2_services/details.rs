//! v2 payment details, the twin of the v3 transaction details query.

use super::*;

#[tokio::test]
async fn v2_payment_details_report_a_completed_transfer_and_111102_for_an_unknown_one() {
    let v2 = V2::start().await;
    let (body, signed) = remittance("InternalFundsTransfer", SOURCE, "800000000001", "250.00");
    v2.post(&format!("{TX}/remittance"), &body, Some(&signed)).await;
    let (status, answer) = v2.get(&format!("{TX}/payments/details/800000000001")).await;
    assert_bare(status, &answer);
    assert_eq!(answer["state"], "Success");
    assert_eq!(answer["transactionReference"], "800000000001");
    assert_eq!(answer["amount"], 250);
    let (status, answer) = v2.get(&format!("{TX}/payments/details/800000000002")).await;
    assert_target_error(status, &answer, "111102", "Transaction with the passed reference cannot be found");
}
