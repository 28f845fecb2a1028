/**
 * `registry:aws:ReplicationAlarms`: S3 replication that fails, told to the people who run
 * the registry. Replication metrics (on by default, `replication.metrics`) count failed
 * operations per rule; one CloudWatch alarm per destination, in the source's region,
 * notifies an SNS topic there that e-mails `monitoring.channels.emails` (each address
 * confirms its subscription once).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { fillPattern } from "../../fields";
import type { MirrorLayout } from "./layout";

export interface ReplicationAlarmsArgs {
  layout: MirrorLayout;
  /** The rule ID pattern, as the replication configuration names its rules. */
  ruleId: string;
  emails: readonly string[];
  provider: aws.Provider;
}

/** Pure: one alarm per destination, on the metric S3 keeps for its rule. */
export function replicationAlarmSpecs(layout: MirrorLayout, ruleId: string) {
  return layout.destinations.map((d) => ({
    name: `${layout.source.bucket}-to-${d.region}-failures`,
    description: `Objects failed to replicate from ${layout.source.bucket} to ${d.bucket}: see docs/operations.md#replication`,
    dimensions: {
      SourceBucket: layout.source.bucket,
      DestinationBucket: d.bucket,
      RuleId: fillPattern(ruleId, { region: d.region }),
    },
  }));
}

export class ReplicationAlarms extends pulumi.ComponentResource {
  readonly nodes: { topic: aws.sns.Topic; alarms: aws.cloudwatch.MetricAlarm[] };

  constructor(name: string, args: ReplicationAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:aws:ReplicationAlarms", name, {}, opts);
    const region = args.layout.source.region;
    const child = { parent: this, provider: args.provider };
    const topic = new aws.sns.Topic(
      `${args.layout.source.bucket}-replication-alarms`,
      { name: `${args.layout.source.bucket}-replication-alarms`, region },
      child,
    );
    for (const email of args.emails) {
      new aws.sns.TopicSubscription(
        `${args.layout.source.bucket}-replication-alarms-${email}`,
        { topic: topic.arn, protocol: "email", endpoint: email, region },
        child,
      );
    }
    const alarms = replicationAlarmSpecs(args.layout, args.ruleId).map(
      (spec) =>
        new aws.cloudwatch.MetricAlarm(
          spec.name,
          {
            name: spec.name,
            region,
            alarmDescription: spec.description,
            namespace: "AWS/S3",
            metricName: "OperationsFailedReplication",
            dimensions: spec.dimensions,
            statistic: "Sum",
            period: 300,
            evaluationPeriods: 1,
            threshold: 0,
            comparisonOperator: "GreaterThanThreshold",
            // No datapoint is no failure: the metric only exists while something replicates.
            treatMissingData: "notBreaching",
            alarmActions: [topic.arn],
            okActions: [topic.arn],
          },
          child,
        ),
    );
    this.nodes = { topic, alarms };
    this.registerOutputs({ topicArn: topic.arn });
  }
}
