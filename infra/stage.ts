/**
 * Stages (`-c vouchers:stage=NAME`): a stage prefixes the app's name, and so every name derived
 * from it (stacks, queues, the HTTP API, the web ACL, the user pool), so that two stages live in
 * one account; its data is disposable. Without a stage nothing changes: renaming retained,
 * deletion-protected resources would orphan a deployment's data (docs/deploy.md, "Stages").
 */
import { Aspects, RemovalPolicies, type IAspect, type Stack } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type { IConstruct } from "constructs";
import type { Wiring } from "../shared/wiring/types.js";

/** The wiring as a stage deploys it: its app named `<stage>-<app>`; without a stage, the wiring itself. */
export function stagedWiring<W extends Wiring>(wiring: W, stage: string | undefined): W {
  return stage === undefined ? wiring : { ...wiring, app: `${stage}-${wiring.app}` };
}

/** Tables of a disposable stage can be deleted with their stack. */
class NoDeletionProtection implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof dynamodb.CfnGlobalTable) node.addPropertyOverride("Replicas.0.DeletionProtectionEnabled", false);
    if (node instanceof dynamodb.CfnTable) node.deletionProtectionEnabled = false;
  }
}

/**
 * Makes everything in a stage's stack go with the stack: removal policy DESTROY on every resource
 * and no deletion protection. (Buckets must be empty to be deleted: docs/deploy.md, "Stages".)
 */
export function makeDisposable(stack: Stack): void {
  RemovalPolicies.of(stack).destroy();
  Aspects.of(stack).add(new NoDeletionProtection());
}
