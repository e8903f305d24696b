use super::{describe, setting, Rule, RuleCtx};
use crate::eval::Instance;
use crate::value::Value;

declare_rule! {
    /// ## What it does
    /// Checks that an `aws_mq_broker` is not deployed as `SINGLE_INSTANCE` (the default).
    ///
    /// ## Why is this bad?
    /// A single-instance broker runs in one zone: during a zone outage or broker
    /// maintenance, producers and consumers cannot connect.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_mq_broker" "events" {
    ///   engine_type = "ActiveMQ"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_mq_broker" "events" {
    ///   engine_type     = "ActiveMQ"
    ///   deployment_mode = "ACTIVE_STANDBY_MULTI_AZ" # CLUSTER_MULTI_AZ for RabbitMQ
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/mq_broker#deployment_mode
    pub struct MqBrokerSingleInstance {
        id: "RC105",
        name: "mq-broker-single-instance",
        category: MultiAz,
        severity: Warning,
        types: ["aws_mq_broker"],
    }
}

impl Rule for MqBrokerSingleInstance {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        let Some((v, a)) = setting(
            &inst.body,
            "deployment_mode",
            Value::String("SINGLE_INSTANCE".into()),
        ) else {
            return;
        };
        if super::is_one_of(&v, &["SINGLE_INSTANCE"]) {
            let rabbit = inst
                .body
                .value("engine_type")
                .and_then(|v| v.as_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("rabbitmq"));
            cx.report(
                self,
                inst,
                a,
                format!(
                    "deployment_mode is {}: the broker runs in a single zone",
                    describe(&v, a)
                ),
                if rabbit {
                    "set `deployment_mode = \"CLUSTER_MULTI_AZ\"`"
                } else {
                    "set `deployment_mode = \"ACTIVE_STANDBY_MULTI_AZ\"`"
                },
            );
        }
    }
}
