//! Guards the TCP_NODELAY fix (provider/src/nodelay.rs): without it every plugin RPC waits
//! ~40 ms for a delayed ACK. A no-op plan of 100 alerts makes ~2 RPCs per resource, so the
//! stock server adds ~8 s over Terraform's built-in `terraform_data`; with the fix the extra
//! cost is a few ms per resource. Plans run with `-parallelism=1` so that waits do not
//! overlap (stock: ~80 ms per resource). The test compares against the baseline measured in
//! the same run (median of 3), so a loaded machine slows both sides alike.

use std::time::Instant;

use reliability_e2e::Terraform;

const N: usize = 100;

fn median_plan_secs(tf: &Terraform) -> f64 {
    let mut times: Vec<f64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let out = tf.run(&[
                "plan",
                "-no-color",
                "-input=false",
                "-detailed-exitcode",
                "-parallelism=1",
            ]);
            assert_eq!(out.code, 0, "no-op plan: {out}");
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[1]
}

#[test]
fn provider_rpcs_do_not_wait_for_delayed_acks() {
    let provider = Terraform::new();
    provider.config(&format!(
        r#"
provider "reliability" {{
  rules_dir = "rules"
}}
resource "reliability_alert" "a" {{
  count    = {N}
  name     = "Alert${{count.index}}"
  expr     = "up == 0"
  severity = "ticket"
}}
"#
    ));
    provider.init();
    provider.apply().success();

    let baseline = Terraform::new();
    baseline.write(
        "main.tf",
        &format!(
            "resource \"terraform_data\" \"a\" {{\n  count = {N}\n  input = count.index\n}}\n"
        ),
    );
    baseline.init();
    baseline.apply().success();

    let with_provider = median_plan_secs(&provider);
    let without = median_plan_secs(&baseline);
    let per_resource_ms = (with_provider - without).max(0.0) * 1000.0 / N as f64;
    eprintln!("no-op plan of {N}: provider {with_provider:.2}s, terraform_data {without:.2}s, {per_resource_ms:.1} ms/resource extra");
    assert!(
        per_resource_ms < 25.0,
        "the provider adds {per_resource_ms:.1} ms per resource to a no-op plan ({with_provider:.2}s vs \
         {without:.2}s for terraform_data): RPCs are waiting for delayed ACKs again (TCP_NODELAY lost?)"
    );
}
