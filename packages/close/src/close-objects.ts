import { ConfigurationError, formatMessage } from '@fieldsync/core';
import type { TabMappingConfig } from '@fieldsync/core';
import type { CloseObjectType } from './field-path.js';

/** Plural names, used in reader labels (`CRM > leads`) and accepted as tab names. */
export const OBJECT_PLURALS: Readonly<Record<CloseObjectType, string>> = { lead: 'leads', contact: 'contacts', opportunity: 'opportunities' };

/** Top-level fields Close documents or returns per object type; other columns only warn. */
export const STANDARD_FIELDS: Readonly<Record<CloseObjectType, ReadonlySet<string>>> = {
  lead: new Set([
    'addresses', 'contact_ids', 'contacts', 'contacts_summary', 'created_by', 'created_by_name', 'custom', 'date_created', 'date_updated',
    'description', 'display_name', 'html_url', 'id', 'integration_links', 'localtime', 'name', 'opportunities', 'organization_id',
    'primary_address_summary', 'primary_email', 'primary_phone', 'recent_calls', 'source', 'status_id', 'status_label', 'summaries',
    'tasks', 'updated_by', 'updated_by_name', 'url',
  ]),
  contact: new Set([
    'created_by', 'date_created', 'date_updated', 'display_name', 'emails', 'id', 'integration_links', 'lead_id', 'name', 'organization_id',
    'phones', 'recent_calls', 'subscriptions', 'timezone', 'timezone_source', 'title', 'updated_by', 'urls',
  ]),
  opportunity: new Set([
    'annualized_expected_value', 'annualized_value', 'attachments', 'comment_summary', 'confidence', 'contact_id', 'contact_name',
    'created_by', 'created_by_name', 'date_created', 'date_lost', 'date_updated', 'date_won', 'expected_value', 'id', 'integration_links',
    'is_stalled', 'lead_id', 'lead_name', 'lead_primary_email', 'lead_primary_phone', 'note', 'note_html', 'organization_id', 'pipeline_id',
    'pipeline_name', 'stall_status', 'status_display_name', 'status_id', 'status_label', 'status_type', 'suggested_action', 'updated_by',
    'updated_by_name', 'user_id', 'user_name', 'value', 'value_currency', 'value_formatted', 'value_period',
  ]),
};

/** The object type a tab reads: `tab.options.object`, else `tab.tabName` (`lead`, `Leads`, `opportunities` ...). */
export function tabObjectType(tab: TabMappingConfig): CloseObjectType {
  const raw = typeof tab.options.object === 'string' ? tab.options.object : tab.tabName;
  const name = raw.trim().toLowerCase();
  for (const [type, plural] of Object.entries(OBJECT_PLURALS) as Array<[CloseObjectType, string]>) {
    if (name === type || name === plural) return type;
  }
  throw new ConfigurationError(
    formatMessage('close', `Tab "${tab.tabName}" names Close object "${raw}", which the Close strategy cannot read.`, "Set the tab's tabName or options.object to 'lead', 'contact' or 'opportunity'."),
    { issues: [{ path: typeof tab.options.object === 'string' ? 'tab.options.object' : 'tab.tabName', message: `must be lead, contact or opportunity, got "${raw}"` }] },
  );
}
