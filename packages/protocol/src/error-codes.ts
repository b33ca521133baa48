/** What kind of delivery failure an ErrorCode of `Group.CallbackSendMsgException` stands for. */
export type ErrorCategory = 'muted' | 'rate_limited' | 'content_blocked' | 'invalid_request' | 'other';

export const ERROR_CATEGORIES: readonly ErrorCategory[] = [
  'muted',
  'rate_limited',
  'content_blocked',
  'invalid_request',
  'other',
];

export interface ErrorCodeInfo {
  readonly category: ErrorCategory;
  readonly meaning: string;
  /** False for codes the catalogue does not list: they fall into `other` so the catalogue can grow. */
  readonly known: boolean;
}

/**
 * The catalogue's entries as categorize answers them: shared, frozen objects. The worker
 * categorizes every failure, and a fresh object per call was ~1 µs of allocation and collection
 * per callback there (BENCHMARKS.md).
 */
function listed(
  entries: ReadonlyArray<[number, Omit<ErrorCodeInfo, 'known'>]>,
): ReadonlyMap<number, ErrorCodeInfo> {
  return new Map(entries.map(([code, info]) => [code, Object.freeze({ ...info, known: true })]));
}

// Tencent names four causes but publishes no code list for this callback; this mapping is ours
// (see shared spec PROTOCOL.md). Extend it when the "unknown error code" rule fires.
const CATALOGUE = listed([
  [10017, { category: 'muted', meaning: 'sender is muted (banned from speaking)' }],
  [10023, { category: 'rate_limited', meaning: 'message frequency over the limit' }],
  [10006, { category: 'rate_limited', meaning: 'operation frequency limited' }],
  [80001, { category: 'content_blocked', meaning: 'text hit security filtering (sensitive words)' }],
  [10016, { category: 'content_blocked', meaning: "the app's before-send callback rejected the message" }],
  [
    80004,
    { category: 'content_blocked', meaning: 'content moderation rejected the message (undocumented for IM)' },
  ],
  [10004, { category: 'invalid_request', meaning: 'invalid parameter' }],
  [10003, { category: 'invalid_request', meaning: 'wrong command or API name' }],
  [10007, { category: 'invalid_request', meaning: 'no permission (e.g. not allowed in this group)' }],
  [10010, { category: 'invalid_request', meaning: 'group does not exist or was dismissed' }],
  [10015, { category: 'invalid_request', meaning: 'invalid group id or no such group' }],
  [10019, { category: 'invalid_request', meaning: 'account does not exist' }],
  [80002, { category: 'invalid_request', meaning: 'message too long (over 12 KB)' }],
  [93000, { category: 'invalid_request', meaning: 'JSON packet over 12 KB' }],
  [10002, { category: 'other', meaning: 'internal server error' }],
  [10026, { category: 'other', meaning: 'command disabled for this SDKAppID' }],
]);

/** Custom rejection codes an app's before-send callback may answer with. */
const CUSTOM_REJECTION = { min: 10100, max: 10200 } as const;

const CUSTOM_REJECTION_INFO: ErrorCodeInfo = Object.freeze({
  category: 'content_blocked',
  meaning: "custom rejection code from the app's before-send callback",
  known: true,
});
const UNKNOWN_INFO: ErrorCodeInfo = Object.freeze({
  category: 'other',
  meaning: 'error code not in the catalogue',
  known: false,
});

/** Maps an ErrorCode to its category and meaning; never throws, unknown codes are `other`. */
export function categorize(errorCode: number): ErrorCodeInfo {
  const listedInfo = CATALOGUE.get(errorCode);
  if (listedInfo) return listedInfo;
  if (errorCode >= CUSTOM_REJECTION.min && errorCode <= CUSTOM_REJECTION.max) return CUSTOM_REJECTION_INFO;
  return UNKNOWN_INFO;
}

/** Every listed code with its category and meaning, for docs, the CLI and tests. */
export function errorCatalogue(): ReadonlyArray<{ code: number } & Omit<ErrorCodeInfo, 'known'>> {
  return [...CATALOGUE].map(([code, { category, meaning }]) => ({ code, category, meaning }));
}
