/**
 * A DynamoDB stream event as the projectors read it: each record's id (the same on every
 * delivery, so consumers can count a change once) and its images, unmarshalled. What an image
 * means (a voucher, a new ledger record, or nothing counted) is decoded in the store
 * (store/stream-images.ts), which alone knows the key formats.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBStreamEvent } from "aws-lambda";

/** A committed change as a stream record carries it. */
export interface StreamChange {
  /** The stream record's eventID: the same on every delivery of the change. */
  eventId: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  oldImage?: Record<string, unknown> | undefined;
  newImage?: Record<string, unknown> | undefined;
}

const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);

/** The changes of a stream event, in stream order. */
export function streamChanges(event: DynamoDBStreamEvent): StreamChange[] {
  return event.Records.map((record) => ({
    eventId: record.eventID!,
    eventName: record.eventName!,
    oldImage: image(record.dynamodb?.OldImage),
    newImage: image(record.dynamodb?.NewImage),
  }));
}

/** A change as a KEYS_ONLY stream carries it: the changed item's key, and where the record sits in its shard. */
export interface StreamKeyChange {
  /** The record's sequence number: what a partial batch failure names. */
  sequenceNumber: string;
  keys: Record<string, unknown>;
}

/** The keys of a stream event's changes, in stream order. */
export function streamKeyChanges(event: DynamoDBStreamEvent): StreamKeyChange[] {
  return event.Records.map((record) => ({
    sequenceNumber: record.dynamodb!.SequenceNumber!,
    keys: image(record.dynamodb?.Keys) ?? {},
  }));
}
