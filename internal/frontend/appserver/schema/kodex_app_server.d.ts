// kodex app-server protocol types, generated from kodex's JSON Schema
// (kodex app-server generate-ts). Do not edit.

/** A path that is guaranteed to be absolute and normalized (though it is not guaranteed to be canonicalized or exist on the filesystem).

IMPORTANT: When deserializing an `AbsolutePathBuf`, a base path must be set using [AbsolutePathBufGuard::new]. If no base path is set, the deserialization will fail unless the path being deserialized is already absolute. */
export type AbsolutePathBuf = string;

export type Account = {
  type: "apiKey";
} | {
  email: string | null;
  planType: PlanType;
  type: "chatgpt";
  workspaceName?: string | null;
} | {
  type: "amazonBedrock";
  usesCodexManagedCredentials?: boolean;
} | {
  type: "gcp";
};

export type AgentMessageDelivery = "async";

export type AgentMessageDeltaNotification = {
  delta: string;
  itemId: string;
  threadId: string;
  turnId: string;
};

/** A presentation instruction for Chat to apply to this answer when recovering history. */
export type AgentMessageDisplay = {
  action: string;
  blockType?: string | null;
  checkTrustedContacts?: boolean | null;
  cyberTrustedAccess?: boolean | null;
};

export type AgentMessageModeration = {
  display?: AgentMessageDisplay | null;
  moderated: boolean;
};

export type AgentPath = string;

export type AllowDenyRequirement = "allow" | "deny";

export type AnalyticsConfig = {
  enabled?: boolean | null;
};

/** Configures who approval requests are routed to for review. Examples include sandbox escapes, blocked network access, MCP approval prompts, and ARC escalations. Defaults to `user`. `auto_review` uses a carefully prompted subagent to gather relevant context and apply a risk-based decision framework before approving or denying the request. The legacy value `guardian_subagent` is accepted for compatibility. */
export type ApprovalsReviewer = "user" | "auto_review" | "guardian_subagent";

export type AskForApproval = ("untrusted" | "on-request" | "never") | {
  granular: {
    mcp_elicitations: boolean;
    request_permissions?: boolean;
    rules: boolean;
    sandbox_approval: boolean;
    skill_approval?: boolean;
  };
};

export type AsyncUserInputQuestion = {
  options?: string[] | null;
  title: string;
};

/** Selects which part of the active context is charged against `model_auto_compact_token_limit`. */
export type AutoCompactTokenLimitScope = "total" | "body_after_prefix";

export type AutoReviewRequirements = {
  ignoreRules?: string[] | null;
  requiredOnModels?: string[] | null;
};

export type BrowserUseAccessApprovalLifetime = "turn" | "thread";

export type BrowserUseConfig = {
  allow_history_access?: boolean | null;
  default_origin_policy?: BrowserUseOriginPolicyConfig | null;
  origins?: {
    [key: string]: BrowserUseOriginPolicyConfig;
  } | null;
};

export type BrowserUseExtensionRequirements = {
  requestHeaders?: RequestHeader[] | null;
};

export type BrowserUseOriginPolicy = {
  access?: AllowDenyRequirement | null;
  accessApprovalLifetime?: BrowserUseAccessApprovalLifetime | null;
  autoReview?: AllowDenyRequirement | null;
  downloads?: AllowDenyRequirement | null;
  fullCdpAccess?: AllowDenyRequirement | null;
  persistentApproval?: boolean | null;
  uploads?: AllowDenyRequirement | null;
};

export type BrowserUseOriginPolicyConfig = {
  access?: AllowDenyRequirement | null;
  downloads?: AllowDenyRequirement | null;
  full_cdp_access?: AllowDenyRequirement | null;
  uploads?: AllowDenyRequirement | null;
};

export type BrowserUseRequirements = {
  allowGlobalPersistentApproval?: boolean | null;
  allowHistoryAccess?: boolean | null;
  allowWebmcp?: boolean | null;
  defaultOriginPolicy?: BrowserUseOriginPolicy | null;
  disableAutoReview?: boolean | null;
  extension?: BrowserUseExtensionRequirements | null;
  origins?: {
    [key: string]: BrowserUseOriginPolicy;
  } | null;
};

export type ByteRange = {
  end: number;
  start: number;
};

export type CliAuthCredentialsStoreMode = "file" | "keyring" | "auto" | "ephemeral";

export type ClientInfo = {
  name: string;
  title?: string | null;
  version: string;
};

/** This translation layer make sure that we expose codex error code in camel case.

When an upstream HTTP status is available (for example, from the Responses API or a provider), it is forwarded in `httpStatusCode` on the relevant `codexErrorInfo` variant. */
export type CodexErrorInfo = ("contextWindowExceeded" | "sessionBudgetExceeded" | "usageLimitExceeded" | "rateLimitExceeded" | "flexUnavailable" | "serverOverloaded" | "modelNotFound" | "policyCapacityUnavailable" | "cyberPolicy" | "misalignmentPolicyViolation" | "tooManyDenials" | "internalServerError" | "unauthorized" | "badRequest" | "threadRollbackFailed" | "sandboxError" | "other") | "inferenceHookDenied" | {
  httpConnectionFailed: {
    httpStatusCode?: number | null;
  };
} | {
  responseStreamConnectionFailed: {
    httpStatusCode?: number | null;
  };
} | {
  responseStreamDisconnected: {
    httpStatusCode?: number | null;
  };
} | {
  responseTooManyFailedAttempts: {
    httpStatusCode?: number | null;
  };
} | {
  activeTurnNotSteerable: {
    turnKind: NonSteerableTurnKind;
  };
} | (string | Record<string, unknown>);

export type CollabAgentState = {
  message?: string | null;
  status: CollabAgentStatus;
};

export type CollabAgentStatus = "pendingInit" | "running" | "interrupted" | "completed" | "errored" | "shutdown" | "notFound";

export type CollabAgentTool = "spawnAgent" | "sendInput" | "resumeAgent" | "wait" | "closeAgent" | "sendMessage" | "followupTask" | "interruptAgent" | "listAgents";

export type CollabAgentToolCallStatus = "inProgress" | "completed" | "failed" | "interrupted";

/** Collaboration mode for a Codex session. */
export type CollaborationMode = {
  mode: ModeKind;
  settings: Settings;
};

export type CommandAction = {
  command: string;
  name: string;
  path: LegacyAppPathString;
  type: "read";
} | {
  command: string;
  path?: string | null;
  type: "listFiles";
} | {
  command: string;
  path?: string | null;
  query?: string | null;
  type: "search";
} | {
  command: string;
  type: "unknown";
};

/** Distinguishes a command approval from input sent to an existing terminal. */
export type CommandExecutionApprovalKind = ("command" | "writeStdin") | "humanCommand";

export type CommandExecutionOutputDeltaNotification = {
  delta: string;
  itemId: string;
  threadId: string;
  turnId: string;
};

export type CommandExecutionRequestApprovalParams = {
  approvalId?: string | null;
  command?: string | null;
  commandActions?: CommandAction[] | null;
  cwd?: LegacyAppPathString | null;
  environmentId?: string | null;
  itemId: string;
  kind?: CommandExecutionApprovalKind;
  networkApprovalContext?: NetworkApprovalContext | null;
  proposedExecpolicyAmendment?: string[] | null;
  proposedNetworkPolicyAmendments?: NetworkPolicyAmendment[] | null;
  reason?: string | null;
  startedAtMs: number;
  threadId: string;
  turnId: string;
};

export type CommandExecutionSource = "agent" | "userShell" | "unifiedExecStartup" | "unifiedExecInteraction";

export type CommandExecutionStatus = "inProgress" | "completed" | "failed" | "declined";

export type ComputerUseConfig = {
  default_app_access?: AllowDenyRequirement | null;
  macos?: ComputerUseMacosConfig | null;
  windows?: ComputerUseWindowsConfig | null;
};

export type ComputerUseMacosConfig = {
  bundle_ids?: {
    [key: string]: AllowDenyRequirement;
  } | null;
};

export type ComputerUseMacosRequirements = {
  bundleIds?: {
    [key: string]: AllowDenyRequirement;
  } | null;
};

export type ComputerUseRequirements = {
  allowLockedComputerUse?: boolean | null;
  allowPersistentApproval?: boolean | null;
  defaultAppAccess?: AllowDenyRequirement | null;
  macos?: ComputerUseMacosRequirements | null;
  windows?: ComputerUseWindowsRequirements | null;
};

export type ComputerUseWindowsConfig = {
  aumids?: {
    [key: string]: AllowDenyRequirement;
  } | null;
  exes?: ComputerUseWindowsExeConfig[] | null;
};

export type ComputerUseWindowsExeConfig = {
  access: AllowDenyRequirement;
  binary_name?: string | null;
  product_name: string;
  publisher_name: string;
};

export type ComputerUseWindowsExeRequirement = {
  access: AllowDenyRequirement;
  binaryName?: string | null;
  productName: string;
  publisherName: string;
};

export type ComputerUseWindowsRequirements = {
  aumids?: {
    [key: string]: AllowDenyRequirement;
  } | null;
  exes?: ComputerUseWindowsExeRequirement[] | null;
};

export type Config = {
  analytics?: AnalyticsConfig | null;
  approval_policy?: AskForApproval | null;
  approvals_reviewer?: ApprovalsReviewer | null;
  browser_use?: BrowserUseConfig | null;
  client_search_provider?: WebSearchProvider | null;
  compact_prompt?: string | null;
  computer_use?: ComputerUseConfig | null;
  desktop?: {
    [key: string]: unknown;
  } | null;
  developer_instructions?: string | null;
  forced_chatgpt_workspace_id?: ForcedChatgptWorkspaceIds | null;
  forced_login_method?: ForcedLoginMethod | null;
  instructions?: string | null;
  model?: string | null;
  model_auto_compact_token_limit?: number | null;
  model_auto_compact_token_limit_scope?: AutoCompactTokenLimitScope | null;
  model_context_window?: number | null;
  model_provider?: string | null;
  model_reasoning_effort?: ReasoningEffort | null;
  model_reasoning_summary?: ReasoningSummary | null;
  model_verbosity?: Verbosity | null;
  review_model?: string | null;
  sandbox_mode?: SandboxMode | null;
  sandbox_workspace_write?: SandboxWorkspaceWrite | null;
  service_tier?: string | null;
  tools?: ToolsV2 | null;
  web_search?: WebSearchMode | null;
};

export type ConfigLayer = {
  config: unknown;
  disabledReason?: string | null;
  name: ConfigLayerSource;
  version: string;
};

export type ConfigLayerMetadata = {
  name: ConfigLayerSource;
  version: string;
};

export type ConfigLayerSource = {
  file: AbsolutePathBuf;
  type: "packagedDefaults";
} | {
  domain: string;
  key: string;
  type: "mdm";
} | {
  file: AbsolutePathBuf;
  type: "system";
} | {
  id: string;
  name: string;
  type: "enterpriseManaged";
} | {
  file: AbsolutePathBuf;
  profile?: string | null;
  type: "user";
} | {
  dotCodexFolder: AbsolutePathBuf;
  type: "project";
} | {
  type: "sessionFlags";
} | {
  file: AbsolutePathBuf;
  type: "legacyManagedConfigTomlFromFile";
} | {
  type: "legacyManagedConfigTomlFromMdm";
};

export type ConfigReadParams = {
  cwd?: string | null;
  includeLayers?: boolean;
};

export type ConfigReadResponse = {
  config: Config;
  layers?: ConfigLayer[] | null;
  origins: {
    [key: string]: ConfigLayerMetadata;
  };
};

export type ConfigRequirements = {
  additionalDeveloperInstructions?: string | null;
  allowAppshots?: boolean | null;
  allowBrowserAndComputerUse?: boolean | null;
  allowLoginShell?: boolean | null;
  allowManagedHooksOnly?: boolean | null;
  allowRemoteControl?: boolean | null;
  allowedApprovalPolicies?: AskForApproval[] | null;
  allowedLoginMethods?: ForcedLoginMethod[] | null;
  allowedPermissionProfiles?: {
    [key: string]: boolean;
  } | null;
  allowedSandboxModes?: SandboxMode[] | null;
  allowedWebSearchModes?: WebSearchMode[] | null;
  allowedWindowsSandboxImplementations?: WindowsSandboxImplementation[] | null;
  autoReview?: AutoReviewRequirements | null;
  browserUse?: BrowserUseRequirements | null;
  chatgptBaseUrl?: string | null;
  checkForUpdateOnStartup?: boolean | null;
  cliAuthCredentialsStore?: CliAuthCredentialsStoreMode | null;
  computerUse?: ComputerUseRequirements | null;
  defaultPermissions?: string | null;
  enforceResidency?: ResidencyRequirement | null;
  featureRequirements?: {
    [key: string]: boolean;
  } | null;
  feedback?: FeedbackRequirements | null;
  inAppBrowser?: InAppBrowserRequirements | null;
  logDir?: string | null;
  modelCatalogJson?: string | null;
  modelProvider?: string | null;
  modelProviders?: {
    [key: string]: unknown;
  } | null;
  models?: ModelsRequirements | null;
  otel?: OtelRequirements | null;
  sqliteHome?: string | null;
};

export type ConfigRequirementsReadResponse = {
  requirements?: ConfigRequirements | null;
  supportsIndependentSpeedModes?: boolean | null;
};

/** Requested cyber treatment for an OpenAI model turn. Authorization and model-tier restrictions remain server-owned. */
export type CyberAccessProgram = "standard" | "daybreakBlue" | "daybreakRed";

export type DynamicToolCallOutputContentItem = {
  text: string;
  type: "inputText";
} | {
  imageUrl: string;
  type: "inputImage";
} | {
  audioUrl: string;
  type: "inputAudio";
};

export type DynamicToolCallStatus = "inProgress" | "completed" | "failed";

export type ErrorNotification = {
  error: TurnError;
  threadId: string;
  turnId: string;
  willRetry: boolean;
};

export type FeedbackRequirements = {
  enabled?: boolean | null;
};

export type FileChangeRequestApprovalParams = {
  grantRoot?: string | null;
  itemId: string;
  reason?: string | null;
  startedAtMs: number;
  threadId: string;
  turnId: string;
};

export type FileUpdateChange = {
  diff: string;
  kind: PatchChangeKind;
  path: string;
};

/** Backward-compatible API shape for ChatGPT workspace login restrictions. */
export type ForcedChatgptWorkspaceIds = string | string[];

export type ForcedLoginMethod = "chatgpt" | "api";

export type FunctionCallOutputBody = string | FunctionCallOutputContentItem[];

/** Responses API compatible content items that can be returned by a tool call. This is a subset of ContentItem with the types we support as function call outputs. */
export type FunctionCallOutputContentItem = {
  text: string;
  type: "input_text";
} | {
  detail?: ImageDetail | null;
  image_url: string;
  type: "input_image";
} | {
  detail?: ImageDetail | null;
  file_id: string;
  type: "input_image";
} | {
  audio_url: string;
  type: "input_audio";
} | {
  file_id: string;
  type: "input_audio";
} | {
  encrypted_content: string;
  type: "encrypted_content";
};

export type FuzzyFileSearchMatchType = "file" | "directory";

export type FuzzyFileSearchParams = {
  cancellationToken?: string | null;
  query: string;
  roots: string[];
};

/** Superset of [`codex_file_search::FileMatch`] */
export type FuzzyFileSearchResult = {
  file_name: string;
  indices?: number[] | null;
  match_type: FuzzyFileSearchMatchType;
  path: string;
  root: string;
  score: number;
};

export type GetAccountParams = {
  refreshToken?: boolean;
};

export type GetAccountResponse = {
  account?: Account | null;
  requiresOpenaiAuth: boolean;
  userId?: string | null;
};

export type GitInfo = {
  branch?: string | null;
  originUrl?: string | null;
  sha?: string | null;
};

export type HookErrorInfo = {
  message: string;
  path: string;
};

export type HookEventName = "preModelRequest" | "postModelRequest" | "preToolUse" | "permissionRequest" | "postToolUse" | "preCompact" | "postCompact" | "sessionStart" | "sessionEnd" | "userPromptSubmit" | "subagentStart" | "subagentStop" | "stop" | "interrupt";

export type HookMetadata = {
  additionalContextLimit?: number | null;
  async?: boolean;
  command: string;
  currentHash: string;
  displayOrder: number;
  enabled: boolean;
  environmentId?: string | null;
  eventName: HookEventName;
  handlerType: "command";
  isManaged: boolean;
  key: string;
  matcher?: string | null;
  pluginId?: string | null;
  source: HookSource;
  sourcePath: AbsolutePathBuf;
  statusMessage?: string | null;
  timeoutSec: number;
  trustStatus: HookTrustStatus;
} | {
  additionalContextLimit?: number | null;
  currentHash: string;
  displayOrder: number;
  enabled: boolean;
  environmentId?: string | null;
  eventName: HookEventName;
  handlerType: "mcpTool";
  isManaged: boolean;
  key: string;
  matcher?: string | null;
  pluginId?: string | null;
  server: string;
  source: HookSource;
  sourcePath: AbsolutePathBuf;
  statusMessage?: string | null;
  timeoutSec: number;
  tool: string;
  trustStatus: HookTrustStatus;
} | {
  additionalContextLimit?: number | null;
  currentHash: string;
  displayOrder: number;
  enabled: boolean;
  environmentId?: string | null;
  eventName: HookEventName;
  handlerType: "prompt";
  isManaged: boolean;
  key: string;
  matcher?: string | null;
  pluginId?: string | null;
  source: HookSource;
  sourcePath: AbsolutePathBuf;
  statusMessage?: string | null;
  timeoutSec: number;
  trustStatus: HookTrustStatus;
} | {
  additionalContextLimit?: number | null;
  currentHash: string;
  displayOrder: number;
  enabled: boolean;
  environmentId?: string | null;
  eventName: HookEventName;
  handlerType: "agent";
  isManaged: boolean;
  key: string;
  matcher?: string | null;
  pluginId?: string | null;
  source: HookSource;
  sourcePath: AbsolutePathBuf;
  statusMessage?: string | null;
  timeoutSec: number;
  trustStatus: HookTrustStatus;
};

export type HookPromptFragment = {
  hookRunId: string;
  text: string;
};

export type HookSource = "system" | "user" | "project" | "mdm" | "sessionFlags" | "plugin" | "cloudRequirements" | "cloudManagedConfig" | "legacyManagedConfigFile" | "legacyManagedConfigMdm" | "unknown";

export type HookTrustStatus = "managed" | "untrusted" | "trusted" | "modified";

export type HooksListEntry = {
  cwd: string;
  errors: HookErrorInfo[];
  hooks: HookMetadata[];
  warnings: string[];
};

export type HooksListParams = {
  cwds?: string[];
  threadId?: string | null;
};

export type HooksListResponse = {
  data: HooksListEntry[];
};

export type ImageDetail = "auto" | "low" | "high" | "original";

export type ImageGenerationFailure = {
  limitId: string;
  resetsAt?: number | null;
  type: "usageLimitExceeded";
};

/** A local image file successfully read for this exact image-generation request. */
export type ImageGenerationInputImage = {
  path: AbsolutePathBuf;
  sha256: string;
};

export type InAppBrowserRequirements = {
  allowExternalBrowserSettingsImport?: boolean | null;
};

/** Client-declared capabilities negotiated during initialize. */
export type InitializeCapabilities = {
  experimentalApi?: boolean;
  explicitGatewayOauth?: boolean;
  extensions?: {
    [key: string]: unknown;
  } | null;
  mcpServerOpenaiFormElicitation?: boolean;
  optOutNotificationMethods?: string[] | null;
  requestAttestation?: boolean;
  requiredHumanApproval?: boolean;
};

export type InitializeParams = {
  capabilities?: InitializeCapabilities | null;
  clientInfo: ClientInfo;
};

export type InitializeResponse = {
  codexHome: AbsolutePathBuf;
  kodex?: KodexInfo;
  platformFamily: string;
  platformOs: string;
  userAgent: string;
};

/** Canonical user-input modality tags advertised by a model. */
export type InputModality = "text" | "image" | "audio";

export type ItemCompletedNotification = {
  completedAtMs: number;
  contentTokenCount?: number | null;
  item: ThreadItem;
  threadId: string;
  turnId: string;
};

export type ItemStartedNotification = {
  item: ThreadItem;
  startedAtMs: number;
  threadId: string;
  turnId: string;
};

export type KodexFuzzyFileSearchResponse = {
  files: FuzzyFileSearchResult[];
};

/** kodex's own member of initialize's result: its version, the protocol version (additive changes keep it) and the methods this server implements. */
export type KodexInfo = {
  methods: string[];
  protocolVersion: number;
  version: string;
};

export type LegacyAppPathString = string;

export type ListMcpServerStatusParams = {
  cursor?: string | null;
  detail?: McpServerStatusDetail | null;
  limit?: number | null;
  serverName?: string | null;
  threadId?: string | null;
};

export type ListMcpServerStatusResponse = {
  data: McpServerStatus[];
  nextCursor?: string | null;
};

export type McpAppDisplayMode = "inline" | "fullscreen";

/** UI resource and display preference for model invocations, captured from the tool descriptor. */
export type McpAppUi = {
  preferredModelDisplayMode: McpAppDisplayMode;
  resourceUri: string;
};

export type McpAuthStatus = "unknown" | "unsupported" | "notLoggedIn" | "bearerToken" | "oAuth";

export type McpServerConnectionStatus = "notStarted" | "starting" | "connected" | "authenticationRequired" | "failed" | "cancelled" | "disabled";

/** Presentation metadata advertised by an initialized MCP server. */
export type McpServerInfo = {
  description?: string | null;
  icons?: unknown[] | null;
  name: string;
  title?: string | null;
  version: string;
  websiteUrl?: string | null;
};

export type McpServerStartupFailureReason = "reauthenticationRequired";

export type McpServerStartupState = "starting" | "ready" | "failed" | "cancelled";

export type McpServerStatus = {
  authStatus: McpAuthStatus;
  httpOrigin?: string | null;
  name: string;
  pluginId?: string | null;
  resourceTemplates: ResourceTemplate[];
  resources: Resource[];
  runtimeStatus?: McpServerConnectionStatus | null;
  serverCapabilities?: unknown;
  serverInfo?: McpServerInfo | null;
  toolListMeta?: unknown;
  tools: {
    [key: string]: Tool;
  };
  toolsError?: string | null;
};

export type McpServerStatusDetail = "full" | "toolsAndAuthOnly";

export type McpServerStatusUpdatedNotification = {
  error?: string | null;
  failureReason?: McpServerStartupFailureReason | null;
  name: string;
  status: McpServerStartupState;
  threadId?: string | null;
};

export type McpToolCallAppContext = {
  actionName?: string | null;
  appName?: string | null;
  connectorId: string;
  linkId?: string | null;
  resourceUri?: string | null;
};

export type McpToolCallError = {
  message: string;
};

export type McpToolCallResult = {
  _meta?: unknown;
  content: unknown[];
  structuredContent?: unknown;
};

export type McpToolCallStatus = "inProgress" | "completed" | "failed";

export type MemoryCitation = {
  entries: MemoryCitationEntry[];
  threadIds: string[];
};

export type MemoryCitationEntry = {
  lineEnd: number;
  lineStart: number;
  note: string;
  path: string;
};

/** Classifies assistant text as commentary, a partial answer, or a terminal answer.

Providers do not emit this consistently, so callers must treat `None` as "phase unknown" and keep compatibility behavior for legacy models. */
export type MessagePhase = "commentary" | "partial_answer" | "final_answer";

export type MisalignmentErrorDetails = {
  detailedExplanation?: string | null;
  errorType?: string | null;
  reviewTarget?: string | null;
  steer?: MisalignmentSteer | null;
};

export type MisalignmentSteer = {
  message: string;
};

/** Initial collaboration mode to use when the TUI starts. */
export type ModeKind = "plan" | "default";

export type Model = {
  additionalSpeedTiers?: string[];
  availabilityNux?: ModelAvailabilityNux | null;
  availableAccessPrograms?: ModelAccessPrograms | null;
  defaultReasoningEffort: ReasoningEffort;
  defaultServiceTier?: string | null;
  description: string;
  displayName: string;
  hidden: boolean;
  id: string;
  inputModalities?: InputModality[];
  isDefault: boolean;
  model: string;
  modelSpecialty?: string | null;
  multiAgentVersion?: MultiAgentVersion | null;
  serviceTiers?: ModelServiceTier[];
  supportedReasoningEfforts: ReasoningEffortOption[];
  supportsPersonality?: boolean;
  upgrade?: string | null;
  upgradeInfo?: ModelUpgradeInfo | null;
};

/** Caller-specific explicit access programs advertised by model discovery. */
export type ModelAccessPrograms = {
  cyber: CyberAccessProgram[];
};

export type ModelAvailabilityNux = {
  message: string;
};

export type ModelListParams = {
  cursor?: string | null;
  includeHidden?: boolean | null;
  limit?: number | null;
  modelProvider?: string | null;
};

export type ModelListResponse = {
  data: Model[];
  nextCursor?: string | null;
};

export type ModelServiceTier = {
  description: string;
  id: string;
  name: string;
};

export type ModelUpgradeInfo = {
  migrationMarkdown?: string | null;
  model: string;
  modelLink?: string | null;
  retirementAt?: number | null;
  upgradeCopy?: string | null;
};

export type ModelsRequirements = {
  newThread?: NewThreadModelDefaults | null;
};

/** Multi-agent runtime supported by a model. */
export type MultiAgentVersion = "disabled" | "v1" | "v2";

export type NetworkAccess = "restricted" | "enabled";

export type NetworkApprovalContext = {
  host: string;
  protocol: NetworkApprovalProtocol;
};

export type NetworkApprovalProtocol = "http" | "https" | "socks5Tcp" | "socks5Udp";

export type NetworkPolicyAmendment = {
  action: NetworkPolicyRuleAction;
  host: string;
};

export type NetworkPolicyRuleAction = "allow" | "deny";

export type NewThreadModelDefaults = {
  model?: string | null;
  modelReasoningEffort?: ReasoningEffort | null;
  serviceTier?: string | null;
};

export type NonSteerableTurnKind = "review" | "compact";

export type OtelExporter = ("none" | "statsig") | {
  "otlp-http": {
    endpoint: string;
    headers: {
      [key: string]: string;
    };
    protocol: OtelHttpProtocol;
    tls?: OtelTlsConfig | null;
  };
} | {
  "otlp-grpc": {
    endpoint: string;
    headers: {
      [key: string]: string;
    };
    tls?: OtelTlsConfig | null;
  };
};

export type OtelHttpProtocol = "binary" | "json";

export type OtelRequirements = {
  environment?: string | null;
  exporter?: OtelExporter | null;
  log_agent_responses?: boolean | null;
  log_guardian_assessments?: boolean | null;
  log_sse_deltas?: boolean | null;
  log_user_prompt?: boolean | null;
  metrics_exporter?: OtelExporter | null;
  span_attributes?: {
    [key: string]: string;
  } | null;
  tool_result?: OtelToolResultLogConfig | null;
  trace_exporter?: OtelExporter | null;
  tracestate?: {
    [key: string]: {
      [key: string]: string;
    };
  } | null;
};

export type OtelTlsConfig = {
  "ca-certificate"?: string | null;
  "client-certificate"?: string | null;
  "client-private-key"?: string | null;
};

export type OtelToolResultLogConfig = {
  max_bytes: number;
};

export type PatchApplyStatus = "inProgress" | "completed" | "failed" | "declined";

export type PatchChangeKind = {
  type: "add";
} | {
  type: "delete";
} | {
  move_path?: string | null;
  type: "update";
};

/** Deprecated: `friendly` and `pragmatic` no longer select a style. */
export type Personality = "none" | "friendly" | "pragmatic";

export type PlanType = "free" | "go" | "plus" | "pro" | "prolite" | "promax" | "team" | "self_serve_business_prolite" | "self_serve_business_usage_based" | "business" | "ent26" | "enterprise_cbp_automation" | "enterprise_cbp_usage_based" | "enterprise" | "edu" | "edu_plus" | "edu_pro" | "sci" | "sci_plus" | "unknown";

/** A non-empty reasoning effort value advertised by the model. */
export type ReasoningEffort = string;

export type ReasoningEffortOption = {
  description: string;
  reasoningEffort: ReasoningEffort;
};

/** A summary of the reasoning performed by the model. This can be useful for debugging and understanding the model's reasoning process. See https://platform.openai.com/docs/guides/reasoning?api-mode=responses#reasoning-summaries */
export type ReasoningSummary = ("auto" | "concise" | "detailed") | "none";

export type ReasoningSummaryTextDeltaNotification = {
  delta: string;
  itemId: string;
  summaryIndex: number;
  threadId: string;
  turnId: string;
};

export type RequestHeader = {
  name: string;
  value: string;
};

export type RequestId = string | number;

export type ResidencyRequirement = "us";

/** A known resource that the server is capable of reading. */
export type Resource = {
  _meta?: unknown;
  annotations?: unknown;
  description?: string | null;
  icons?: unknown[] | null;
  mimeType?: string | null;
  name: string;
  size?: number | null;
  title?: string | null;
  uri: string;
};

/** A template description for resources available on the server. */
export type ResourceTemplate = {
  annotations?: unknown;
  description?: string | null;
  mimeType?: string | null;
  name: string;
  title?: string | null;
  uriTemplate: string;
};

export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access";

export type SandboxPolicy = {
  type: "dangerFullAccess";
} | {
  networkAccess?: boolean;
  type: "readOnly";
} | {
  networkAccess?: NetworkAccess;
  type: "externalSandbox";
} | {
  excludeSlashTmp?: boolean;
  excludeTmpdirEnvVar?: boolean;
  networkAccess?: boolean;
  type: "workspaceWrite";
  writableRoots?: AbsolutePathBuf[];
};

export type SandboxWorkspaceWrite = {
  exclude_slash_tmp?: boolean;
  exclude_tmpdir_env_var?: boolean;
  network_access?: boolean;
  writable_roots?: string[];
};

export type ServerRequestResolvedNotification = {
  requestId: RequestId;
  threadId: string;
};

export type SessionSource = ("cli" | "vscode" | "exec" | "appServer" | "unknown") | {
  custom: string;
} | {
  subAgent: SubAgentSource;
};

/** Settings for a collaboration mode. */
export type Settings = {
  developer_instructions?: string | null;
  model: string;
  reasoning_effort?: ReasoningEffort | null;
};

export type SkillDependencies = {
  tools: SkillToolDependency[];
};

export type SkillErrorInfo = {
  message: string;
  path: string;
};

export type SkillInterface = {
  brandColor?: string | null;
  defaultPrompt?: string | null;
  displayName?: string | null;
  iconLarge?: AbsolutePathBuf | null;
  iconLargeUrl?: string | null;
  iconSmall?: AbsolutePathBuf | null;
  iconSmallUrl?: string | null;
  shortDescription?: string | null;
};

export type SkillMetadata = {
  dependencies?: SkillDependencies | null;
  description: string;
  enabled: boolean;
  interface?: SkillInterface | null;
  name: string;
  path: LegacyAppPathString;
  pluginId?: string | null;
  scope: SkillScope;
  shortDescription?: string | null;
};

export type SkillScope = "user" | "repo" | "system" | "admin";

export type SkillToolDependency = {
  command?: string | null;
  description?: string | null;
  transport?: string | null;
  type: string;
  url?: string | null;
  value: string;
};

export type SkillsListEntry = {
  cwd: string;
  errors: SkillErrorInfo[];
  skills: SkillMetadata[];
};

export type SkillsListParams = {
  cwds?: string[];
  forceReload?: boolean;
};

export type SkillsListResponse = {
  data: SkillsListEntry[];
};

export type SortDirection = "asc" | "desc";

export type SubAgentActivityKind = "started" | "interacted" | "interrupted" | "completed";

export type SubAgentSource = ("review" | "compact" | "memory_consolidation") | {
  thread_spawn: {
    agent_nickname?: string | null;
    agent_path?: AgentPath | null;
    agent_role?: string | null;
    depth: number;
    parent_thread_id: ThreadId;
  };
} | {
  other: string;
};

export type TerminalInteractionNotification = {
  itemId: string;
  processId: string;
  stdin: string;
  threadId: string;
  turnId: string;
};

export type TextElement = {
  byteRange: ByteRange;
  placeholder?: string | null;
};

export type Thread = {
  agentNickname?: string | null;
  agentRole?: string | null;
  cliVersion: string;
  createdAt: number;
  cwd: AbsolutePathBuf;
  ephemeral: boolean;
  forkedFromId?: string | null;
  gitInfo?: GitInfo | null;
  historyMode?: ThreadHistoryMode;
  id: string;
  model?: string | null;
  modelProvider: string;
  name?: string | null;
  originator?: string | null;
  parentThreadId?: string | null;
  path?: string | null;
  preview: string;
  projectId: string | null;
  reasoningEffort?: ReasoningEffort | null;
  recencyAt?: number | null;
  section?: ThreadSection | null;
  sectionEnteredAt?: number | null;
  sessionId: string;
  source: SessionSource;
  status: ThreadStatus;
  threadSource?: ThreadSource | null;
  turns: Turn[];
  updatedAt: number;
};

export type ThreadActiveFlag = "waitingOnApproval" | "waitingOnUserInput";

export type ThreadArchiveParams = {
  threadId: string;
};

export type ThreadArchiveResponse = Record<string, unknown>;

export type ThreadArchivedNotification = {
  threadId: string;
};

export type ThreadClosedNotification = {
  threadId: string;
};

export type ThreadCompactStartParams = {
  threadId: string;
};

export type ThreadCompactStartResponse = Record<string, unknown>;

export type ThreadDeleteParams = {
  threadId: string;
};

export type ThreadDeleteResponse = Record<string, unknown>;

export type ThreadDeletedNotification = {
  threadId: string;
};

/** There are two ways to fork a thread: 1. By thread_id: load the thread from disk by thread_id and fork it into a new thread. 2. By path: load the thread from disk by path and fork it into a new thread.

If using a non-empty path, the thread_id param will be ignored. Empty string path values are treated as absent.

Prefer using thread_id whenever possible. */
export type ThreadForkParams = {
  approvalPolicy?: AskForApproval | null;
  approvalsReviewer?: ApprovalsReviewer | null;
  baseInstructions?: string | null;
  config?: {
    [key: string]: unknown;
  } | null;
  cwd?: string | null;
  developerInstructions?: string | null;
  ephemeral?: boolean;
  excludeTurns?: boolean;
  lastTurnId?: string | null;
  model?: string | null;
  modelProvider?: string | null;
  sandbox?: SandboxMode | null;
  serviceTier?: string | null;
  threadId: string;
  threadSource?: ThreadSource | null;
};

export type ThreadForkResponse = {
  approvalPolicy: AskForApproval;
  approvalsReviewer: ApprovalsReviewer;
  cwd: AbsolutePathBuf;
  disabledPluginIds?: string[];
  instructionSources?: LegacyAppPathString[];
  model: string;
  modelProvider: string;
  reasoningEffort?: ReasoningEffort | null;
  sandbox: SandboxPolicy;
  serviceTier?: string | null;
  thread: Thread;
};

export type ThreadHistoryMode = "legacy" | "paginated";

export type ThreadId = string;

/** A thread item and its recorded lifecycle times. The payload stays flat on the wire. */
export type ThreadItem = {
  clientId?: string | null;
  completedAtMs?: number | null;
  content: UserInput[];
  id: string;
  startedAtMs?: number | null;
  type: "userMessage";
} | {
  completedAtMs?: number | null;
  fragments: HookPromptFragment[];
  id: string;
  startedAtMs?: number | null;
  type: "hookPrompt";
} | {
  completedAtMs?: number | null;
  delivery?: AgentMessageDelivery | null;
  id: string;
  memoryCitation?: MemoryCitation | null;
  moderation?: AgentMessageModeration | null;
  phase?: MessagePhase | null;
  questions?: AsyncUserInputQuestion[] | null;
  startedAtMs?: number | null;
  text: string;
  type: "agentMessage";
} | {
  completedAtMs?: number | null;
  id: string;
  name: string;
  namespace?: string | null;
  output: FunctionCallOutputBody;
  startedAtMs?: number | null;
  type: "functionCallOutput";
} | {
  completedAtMs?: number | null;
  id: string;
  startedAtMs?: number | null;
  text: string;
  type: "plan";
} | {
  completedAtMs?: number | null;
  content?: string[];
  id: string;
  startedAtMs?: number | null;
  summary?: string[];
  type: "reasoning";
} | {
  aggregatedOutput?: string | null;
  command: string;
  commandActions: CommandAction[];
  completedAtMs?: number | null;
  cwd: LegacyAppPathString;
  durationMs?: number | null;
  exitCode?: number | null;
  id: string;
  pluginId?: string | null;
  processId?: string | null;
  scriptPath?: string | null;
  source?: CommandExecutionSource;
  startedAtMs?: number | null;
  status: CommandExecutionStatus;
  type: "commandExecution";
} | {
  changes: FileUpdateChange[];
  completedAtMs?: number | null;
  id: string;
  startedAtMs?: number | null;
  status: PatchApplyStatus;
  type: "fileChange";
} | {
  appContext?: McpToolCallAppContext | null;
  arguments: unknown;
  completedAtMs?: number | null;
  durationMs?: number | null;
  error?: McpToolCallError | null;
  id: string;
  mcpAppResourceUri?: string | null;
  mcpAppUi?: McpAppUi | null;
  pluginId?: string | null;
  readOnlyHint?: boolean | null;
  result?: McpToolCallResult | null;
  server: string;
  startedAtMs?: number | null;
  status: McpToolCallStatus;
  tool: string;
  type: "mcpToolCall";
} | {
  arguments: unknown;
  completedAtMs?: number | null;
  contentItems?: DynamicToolCallOutputContentItem[] | null;
  durationMs?: number | null;
  id: string;
  namespace?: string | null;
  startedAtMs?: number | null;
  status: DynamicToolCallStatus;
  success?: boolean | null;
  tool: string;
  type: "dynamicToolCall";
} | {
  agentsStates: {
    [key: string]: CollabAgentState;
  };
  completedAtMs?: number | null;
  id: string;
  model?: string | null;
  prompt?: string | null;
  reasoningEffort?: ReasoningEffort | null;
  receiverThreadIds: string[];
  senderThreadId: string;
  startedAtMs?: number | null;
  status: CollabAgentToolCallStatus;
  tool: CollabAgentTool;
  type: "collabAgentToolCall";
} | {
  agentPath: string;
  agentThreadId: string;
  completedAtMs?: number | null;
  id: string;
  kind: SubAgentActivityKind;
  model?: string | null;
  reasoningEffort?: ReasoningEffort | null;
  startedAtMs?: number | null;
  type: "subAgentActivity";
} | {
  action?: WebSearchAction | null;
  completedAtMs?: number | null;
  id: string;
  query: string;
  results?: unknown[] | null;
  startedAtMs?: number | null;
  type: "webSearch";
} | {
  completedAtMs?: number | null;
  id: string;
  path: LegacyAppPathString;
  startedAtMs?: number | null;
  type: "imageView";
} | {
  completedAtMs?: number | null;
  durationMs: number;
  id: string;
  startedAtMs?: number | null;
  type: "sleep";
} | {
  completedAtMs?: number | null;
  failure?: ImageGenerationFailure | null;
  generationId?: string | null;
  id: string;
  inputImages?: ImageGenerationInputImage[];
  revisedPrompt?: string | null;
  savedPath?: AbsolutePathBuf | null;
  startedAtMs?: number | null;
  status: string;
  transparentBackground?: boolean | null;
  type: "imageGeneration";
} | {
  completedAtMs?: number | null;
  id: string;
  review: string;
  startedAtMs?: number | null;
  type: "enteredReviewMode";
} | {
  completedAtMs?: number | null;
  id: string;
  review: string;
  startedAtMs?: number | null;
  type: "exitedReviewMode";
} | {
  completedAtMs?: number | null;
  id: string;
  startedAtMs?: number | null;
  type: "contextCompaction";
};

export type ThreadListCwdFilter = string | string[];

export type ThreadListParams = {
  archived?: boolean | null;
  currentAccountOnly?: boolean;
  cursor?: string | null;
  cwd?: ThreadListCwdFilter | null;
  excludedThreadIds?: string[] | null;
  limit?: number | null;
  modelProviders?: string[] | null;
  originators?: string[] | null;
  searchTerm?: string | null;
  sectionId?: string | null;
  sortDirection?: SortDirection | null;
  sortKey?: ThreadSortKey | null;
  sourceKinds?: ThreadSourceKind[] | null;
  useStateDbOnly?: boolean;
};

export type ThreadListResponse = {
  backwardsCursor?: string | null;
  data: Thread[];
  nextCursor?: string | null;
};

export type ThreadLoadedListParams = {
  cursor?: string | null;
  limit?: number | null;
};

export type ThreadLoadedListResponse = {
  data: string[];
  nextCursor?: string | null;
};

export type ThreadNameUpdatedNotification = {
  threadId: string;
  threadName?: string | null;
};

export type ThreadReadParams = {
  includeTurns?: boolean;
  threadId: string;
};

export type ThreadReadResponse = {
  thread: Thread;
};

/** There are three ways to resume a thread: 1. By thread_id: load the thread from disk by thread_id and resume it. 2. By history: instantiate the thread from memory and resume it. 3. By path: load the thread from disk by path and resume it.

For non-running threads, the precedence is: history > non-empty path > thread_id. If using history or a non-empty path for a non-running thread, the thread_id param will be ignored.

If thread_id identifies a running thread, app-server rejoins that thread and treats a non-empty path as a consistency check against the active rollout path. Empty string path values are treated as absent.

Prefer using thread_id whenever possible. */
export type ThreadResumeParams = {
  approvalPolicy?: AskForApproval | null;
  approvalsReviewer?: ApprovalsReviewer | null;
  baseInstructions?: string | null;
  config?: {
    [key: string]: unknown;
  } | null;
  cwd?: string | null;
  developerInstructions?: string | null;
  excludeTurns?: boolean;
  model?: string | null;
  modelProvider?: string | null;
  personality?: Personality | null;
  sandbox?: SandboxMode | null;
  serviceTier?: string | null;
  threadId: string;
};

export type ThreadResumeResponse = {
  approvalPolicy: AskForApproval;
  approvalsReviewer: ApprovalsReviewer;
  collaborationMode?: CollaborationMode | null;
  cwd: AbsolutePathBuf;
  disabledPluginIds?: string[];
  instructionSources?: LegacyAppPathString[];
  itemsBackwardsCursor?: string | null;
  model: string;
  modelProvider: string;
  reasoningEffort?: ReasoningEffort | null;
  sandbox: SandboxPolicy;
  serviceTier?: string | null;
  thread: Thread;
  turnsBackwardsCursor?: string | null;
};

/** An independently persisted, user-visible thread section. */
export type ThreadSection = {
  appearance?: ThreadSectionAppearance | null;
  id: string;
  name: string;
};

/** Extensible visual presentation for a custom thread section. */
export type ThreadSectionAppearance = {
  color?: string | null;
  icon?: string | null;
};

export type ThreadSetNameParams = {
  name: string;
  threadId: string;
};

export type ThreadSetNameResponse = Record<string, unknown>;

export type ThreadSortKey = "created_at" | "updated_at" | "recency_at" | "section_position";

export type ThreadSource = string;

export type ThreadSourceKind = "cli" | "vscode" | "exec" | "appServer" | "subAgent" | "subAgentReview" | "subAgentCompact" | "subAgentThreadSpawn" | "subAgentOther" | "unknown";

export type ThreadStartParams = {
  approvalPolicy?: AskForApproval | null;
  approvalsReviewer?: ApprovalsReviewer | null;
  baseInstructions?: string | null;
  config?: {
    [key: string]: unknown;
  } | null;
  cwd?: string | null;
  developerInstructions?: string | null;
  ephemeral?: boolean | null;
  model?: string | null;
  modelProvider?: string | null;
  personality?: Personality | null;
  sandbox?: SandboxMode | null;
  serviceName?: string | null;
  serviceTier?: string | null;
  sessionStartSource?: ThreadStartSource | null;
  threadSource?: ThreadSource | null;
};

export type ThreadStartResponse = {
  approvalPolicy: AskForApproval;
  approvalsReviewer: ApprovalsReviewer;
  cwd: AbsolutePathBuf;
  disabledPluginIds?: string[];
  instructionSources?: LegacyAppPathString[];
  model: string;
  modelProvider: string;
  reasoningEffort?: ReasoningEffort | null;
  sandbox: SandboxPolicy;
  serviceTier?: string | null;
  thread: Thread;
};

export type ThreadStartSource = "startup" | "clear";

export type ThreadStartedNotification = {
  thread: Thread;
};

export type ThreadStatus = {
  type: "notLoaded";
} | {
  type: "idle";
} | {
  type: "systemError";
} | {
  activeFlags: ThreadActiveFlag[];
  type: "active";
};

export type ThreadStatusChangedNotification = {
  status: ThreadStatus;
  threadId: string;
};

export type ThreadTokenUsage = {
  last: TokenUsageBreakdown;
  modelContextWindow?: number | null;
  total: TokenUsageBreakdown;
};

export type ThreadTokenUsageUpdatedNotification = {
  threadId: string;
  tokenUsage: ThreadTokenUsage;
  turnId: string;
};

export type ThreadUnarchiveParams = {
  threadId: string;
};

export type ThreadUnarchiveResponse = {
  thread: Thread;
};

export type ThreadUnarchivedNotification = {
  threadId: string;
};

export type ThreadUnsubscribeParams = {
  threadId: string;
};

export type ThreadUnsubscribeResponse = {
  status: ThreadUnsubscribeStatus;
};

export type ThreadUnsubscribeStatus = "notLoaded" | "notSubscribed" | "unsubscribed";

export type TokenUsageBreakdown = {
  cacheWriteInputTokens?: number;
  cachedInputTokens: number;
  inputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
  totalTokens: number;
};

/** Definition for a tool the client can call. */
export type Tool = {
  _meta?: unknown;
  annotations?: unknown;
  description?: string | null;
  icons?: unknown[] | null;
  inputSchema: unknown;
  name: string;
  outputSchema?: unknown;
  title?: string | null;
};

export type ToolsV2 = {
  web_search?: WebSearchToolConfig | null;
};

export type Turn = {
  completedAt?: number | null;
  durationMs?: number | null;
  error?: TurnError | null;
  id: string;
  items: ThreadItem[];
  itemsView?: TurnItemsView;
  rootTurnId?: string | null;
  startedAt?: number | null;
  status: TurnStatus;
};

export type TurnCompletedNotification = {
  threadId: string;
  turn: Turn;
};

/** Notification that the turn-level unified diff has changed. Contains the latest aggregated diff across all file changes in the turn. */
export type TurnDiffUpdatedNotification = {
  diff: string;
  threadId: string;
  turnId: string;
};

export type TurnError = {
  additionalDetails?: string | null;
  codexErrorInfo?: CodexErrorInfo | null;
  message: string;
  misalignment?: MisalignmentErrorDetails | null;
};

export type TurnInterruptParams = {
  threadId: string;
  turnId: string;
};

export type TurnInterruptResponse = Record<string, unknown>;

export type TurnItemsView = "notLoaded" | "summary" | "full";

export type TurnPlanStep = {
  status: TurnPlanStepStatus;
  step: string;
};

export type TurnPlanStepStatus = "pending" | "inProgress" | "completed";

export type TurnPlanUpdatedNotification = {
  explanation?: string | null;
  plan: TurnPlanStep[];
  threadId: string;
  turnId: string;
};

export type TurnStartParams = {
  approvalPolicy?: AskForApproval | null;
  approvalsReviewer?: ApprovalsReviewer | null;
  clientUserMessageId?: string | null;
  cwd?: string | null;
  disabledPluginIds?: string[] | null;
  effort?: ReasoningEffort | null;
  input: UserInput[];
  model?: string | null;
  outputSchema?: unknown;
  parentTurnId?: string | null;
  personality?: Personality | null;
  rootTurnId?: string | null;
  sandbox?: SandboxMode | null;
  sandboxPolicy?: SandboxPolicy | null;
  serviceTier?: string | null;
  serviceTierForTurn?: string | null;
  summary?: ReasoningSummary | null;
  threadId: string;
  toolOutput?: TurnToolOutput | null;
  turnTrigger?: string | null;
};

export type TurnStartResponse = {
  turn: Turn;
};

export type TurnStartedNotification = {
  threadId: string;
  turn: Turn;
};

export type TurnStatus = "completed" | "interrupted" | "failed" | "inProgress";

export type TurnSteerParams = {
  clientUserMessageId?: string | null;
  expectedTurnId: string;
  input: UserInput[];
  threadId: string;
};

export type TurnSteerResponse = {
  turnId: string;
};

export type TurnToolOutput = {
  name: string;
  namespace?: string | null;
  output: FunctionCallOutputBody;
  retain?: boolean;
};

export type UserInput = {
  text: string;
  text_elements?: TextElement[];
  type: "text";
} | {
  detail?: ImageDetail | null;
  type: "image";
  url: string;
} | {
  detail?: ImageDetail | null;
  fileId: string;
  type: "image";
} | {
  detail?: ImageDetail | null;
  path: string;
  type: "localImage";
} | {
  type: "audio";
  url: string;
} | {
  fileId: string;
  type: "audio";
} | {
  path: string;
  type: "localAudio";
} | {
  name: string;
  path: string;
  type: "skill";
} | {
  name: string;
  path: string;
  type: "mention";
};

/** Controls output length/detail on GPT-5 models via the Responses API. Serialized with lowercase values to match the OpenAI API. */
export type Verbosity = "low" | "medium" | "high";

export type WarningNotification = {
  message: string;
  threadId?: string | null;
};

export type WebSearchAction = {
  queries?: string[] | null;
  query?: string | null;
  type: "search";
} | {
  type: "openPage";
  url?: string | null;
} | {
  pattern?: string | null;
  type: "findInPage";
  url?: string | null;
} | {
  type: "other";
};

export type WebSearchContextSize = "low" | "medium" | "high";

export type WebSearchLocation = {
  city?: string | null;
  country?: string | null;
  region?: string | null;
  timezone?: string | null;
};

export type WebSearchMode = "disabled" | "cached" | "indexed" | "live";

/** Provider preference selected by the resolved model catalog entry. */
export type WebSearchProvider = "standalone" | "search_mcp";

export type WebSearchToolConfig = {
  allowed_domains?: string[] | null;
  context_size?: WebSearchContextSize | null;
  location?: WebSearchLocation | null;
};

export type WindowsSandboxImplementation = "elevated" | "unelevated" | "mxc";

export interface Methods {
  "account/read": { params: GetAccountParams; result: GetAccountResponse; };
  "config/read": { params: ConfigReadParams; result: ConfigReadResponse; };
  "configRequirements/read": { result: ConfigRequirementsReadResponse; };
  "fuzzyFileSearch": { params: FuzzyFileSearchParams; result: KodexFuzzyFileSearchResponse; };
  "hooks/list": { params: HooksListParams; result: HooksListResponse; };
  "initialize": { params: InitializeParams; result: InitializeResponse; };
  "mcpServerStatus/list": { params: ListMcpServerStatusParams; result: ListMcpServerStatusResponse; };
  "model/list": { params: ModelListParams; result: ModelListResponse; };
  "skills/list": { params: SkillsListParams; result: SkillsListResponse; };
  "thread/archive": { params: ThreadArchiveParams; result: ThreadArchiveResponse; };
  "thread/compact/start": { params: ThreadCompactStartParams; result: ThreadCompactStartResponse; };
  "thread/delete": { params: ThreadDeleteParams; result: ThreadDeleteResponse; };
  "thread/fork": { params: ThreadForkParams; result: ThreadForkResponse; };
  "thread/list": { params: ThreadListParams; result: ThreadListResponse; };
  "thread/loaded/list": { params: ThreadLoadedListParams; result: ThreadLoadedListResponse; };
  "thread/name/set": { params: ThreadSetNameParams; result: ThreadSetNameResponse; };
  "thread/read": { params: ThreadReadParams; result: ThreadReadResponse; };
  "thread/resume": { params: ThreadResumeParams; result: ThreadResumeResponse; };
  "thread/start": { params: ThreadStartParams; result: ThreadStartResponse; };
  "thread/unarchive": { params: ThreadUnarchiveParams; result: ThreadUnarchiveResponse; };
  "thread/unsubscribe": { params: ThreadUnsubscribeParams; result: ThreadUnsubscribeResponse; };
  "turn/interrupt": { params: TurnInterruptParams; result: TurnInterruptResponse; };
  "turn/start": { params: TurnStartParams; result: TurnStartResponse; };
  "turn/steer": { params: TurnSteerParams; result: TurnSteerResponse; };
}

export interface Notifications {
  "error": { params: ErrorNotification; };
  "item/agentMessage/delta": { params: AgentMessageDeltaNotification; };
  "item/commandExecution/outputDelta": { params: CommandExecutionOutputDeltaNotification; };
  "item/commandExecution/terminalInteraction": { params: TerminalInteractionNotification; };
  "item/completed": { params: ItemCompletedNotification; };
  "item/reasoning/summaryTextDelta": { params: ReasoningSummaryTextDeltaNotification; };
  "item/started": { params: ItemStartedNotification; };
  "mcpServer/startupStatus/updated": { params: McpServerStatusUpdatedNotification; };
  "serverRequest/resolved": { params: ServerRequestResolvedNotification; };
  "thread/archived": { params: ThreadArchivedNotification; };
  "thread/closed": { params: ThreadClosedNotification; };
  "thread/deleted": { params: ThreadDeletedNotification; };
  "thread/name/updated": { params: ThreadNameUpdatedNotification; };
  "thread/started": { params: ThreadStartedNotification; };
  "thread/status/changed": { params: ThreadStatusChangedNotification; };
  "thread/tokenUsage/updated": { params: ThreadTokenUsageUpdatedNotification; };
  "thread/unarchived": { params: ThreadUnarchivedNotification; };
  "turn/completed": { params: TurnCompletedNotification; };
  "turn/diff/updated": { params: TurnDiffUpdatedNotification; };
  "turn/plan/updated": { params: TurnPlanUpdatedNotification; };
  "turn/started": { params: TurnStartedNotification; };
  "warning": { params: WarningNotification; };
}

export interface ServerRequests {
  "item/commandExecution/requestApproval": { params: CommandExecutionRequestApprovalParams; };
  "item/fileChange/requestApproval": { params: FileChangeRequestApprovalParams; };
}
