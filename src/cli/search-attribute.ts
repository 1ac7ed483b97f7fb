import type { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/** `Dataset=Keyword`: filter syncs by dataset in the Web UI (`Dataset = "analytics"`). */
export const DATASET_ATTRIBUTE = defineSearchAttributeKey('Dataset', SearchAttributeType.KEYWORD);

/**
 * The search attributes a sync starts with: `Dataset` when the namespace has it registered (the
 * dev servers rest-sync starts register it; elsewhere `temporal operator search-attribute create
 * --name Dataset --type Keyword`). A start naming an unregistered attribute would be refused, so
 * without it (or without the right to ask, as on some Cloud keys) syncs start without one.
 */
export async function datasetSearchAttributes(client: Client, namespace: string, dataset: string): Promise<SearchAttributePair[]> {
  const res = await client.connection.operatorService.listSearchAttributes({ namespace }).catch(() => undefined);
  const registered = res && DATASET_ATTRIBUTE.name in (res.customAttributes ?? {});
  return registered ? [{ key: DATASET_ATTRIBUTE, value: dataset }] : [];
}
