import type { Label, RuleConfig } from '@imwatch/config';
import type { CallbackEvent, DeliveryFailure } from './event.js';

/** The value of a label for an event, as it appears in keys and alerts. */
export function labelValue(event: CallbackEvent, failure: DeliveryFailure, label: Label): string {
  switch (label) {
    case 'app':
      return event.appId;
    case 'platform':
      return event.platform;
    case 'group':
      return failure.group;
    case 'sender':
      return failure.sender;
    case 'errorCode':
      return String(failure.errorCode);
    case 'category':
      return failure.category;
    case 'groupType':
      return failure.groupType;
  }
}

/** The values of some labels joined into one key part, e.g. `1400000000|@TGS#2J4|jared`. */
export function labelKey(event: CallbackEvent, failure: DeliveryFailure, labels: readonly Label[]): string {
  let key = '';
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) key += '|';
    key += labelValue(event, failure, labels[i] as Label);
  }
  return key;
}

/** A rule's match section turned into one predicate, built once at start. */
export function compileMatch(rule: RuleConfig): (event: CallbackEvent, failure: DeliveryFailure) => boolean {
  const { match } = rule;
  const categories = match.category ? new Set<string>(match.category) : undefined;
  const codes = match.errorCode ? new Set(match.errorCode) : undefined;
  const groupTypes = match.groupType ? new Set(match.groupType) : undefined;
  const platforms = match.platform ? new Set(match.platform) : undefined;
  const senders = match.sender ? new Set(match.sender) : undefined;
  const groupId = match.groupId === undefined ? undefined : new RegExp(match.groupId);
  return (event, failure) =>
    (match.command === undefined || match.command === event.command) &&
    (categories === undefined || categories.has(failure.category)) &&
    (codes === undefined || codes.has(failure.errorCode)) &&
    (match.knownErrorCode === undefined || match.knownErrorCode === failure.known) &&
    (groupTypes === undefined || groupTypes.has(failure.groupType)) &&
    (platforms === undefined || platforms.has(event.platform)) &&
    (senders === undefined || senders.has(failure.sender)) &&
    (groupId === undefined || groupId.test(failure.group));
}
