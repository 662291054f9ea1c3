// Every API endpoint the web app uses, in one table: method, path, query, body and response (the
// types generated from the Rust API by ts-rs), and for each write the reads it makes stale. Pages
// read through `useApiQuery(endpoints.x, ...)` and write through `mutate(endpoints.y, ...)`
// (lib/query.ts), which refetches those reads; nothing else builds an API path.
//
// A read's cache key is its path below /api/ (parameters filled in) plus its query, so a write
// that makes `groups` stale refreshes every group list and page, and one that makes `group` stale
// refreshes that group and everything under it (its members, requests, codes...).

import { del, get, navigation, patch, post } from "./endpoint";
import type {
  AddRuleResponse,
  AdminUserResponse,
  AdminUsersResponse,
  AnnouncementBody,
  AnnouncementResponse,
  AssetLocations,
  AssetsPage,
  Attachment,
  AuditPage,
  BanBody,
  CategoriesResponse,
  Category,
  CategoryPatch,
  CharacterSyncStatus,
  CorporationDatasetPage,
  CorporationMembersPage,
  CorporationResponse,
  CorporationSummary,
  CorporationWalletHistory,
  CorporationsResponse,
  DirectorBody,
  DiscordGuildsResponse,
  DiscordMe,
  GroupDetail,
  GroupDiscordResponse,
  GroupPatch,
  GroupsResponse,
  GuildPatch,
  GuildView,
  IdsBody,
  Invitation,
  InvitationsResponse,
  InviteBody,
  InviteCode,
  InviteCodesResponse,
  JoinOutcome,
  JoinRequest,
  JoinRequestBody,
  JoinRequestsResponse,
  JournalPage,
  ManagedPatch,
  MarkAllReadResponse,
  MeResponse,
  MembersPage,
  MembershipLogPage,
  NamesResponse,
  NewAttachment,
  NewCategory,
  NewGroup,
  NewInviteCode,
  NewRule,
  OrdersResponse,
  Page as NotificationPage,
  PrimaryRequest,
  RecruitingResponse,
  RedeemCodeBody,
  RegisterCorporationBody,
  RegisterGuildBody,
  RulesResponse,
  SessionsResponse,
  Skills,
  SyncRunReport,
  TokenCheckResponse,
  TransactionsPage,
  TypeNames,
  TypeSearchPage,
  UserBody,
  WalletHistory,
  WalletResponse,
} from "./types";

/** `limit` and `offset` paging (the API's defaults when absent). */
type OffsetPage = { limit?: number; offset?: number | null };
/** Newest first, `before_id` pages back. */
type CursorPage<Id> = { limit?: number; before_id?: Id | null };

// Reads come first: writes name the reads they make stale.
const reads = {
  // ---- the account ----
  me: get("/api/users/me").returns<MeResponse>(),
  sessions: get("/api/auth/sessions").returns<SessionsResponse>(),

  // ---- groups ----
  groups: get("/api/groups").query<{ mine?: boolean; q?: string; category_id?: string }>().returns<GroupsResponse>(),
  categories: get("/api/groups/categories").query<{ q?: string }>().returns<CategoriesResponse>(),
  group: get("/api/groups/:groupId").returns<GroupDetail>(),
  groupMembers: get("/api/groups/:groupId/members").query<OffsetPage>().returns<MembersPage>(),
  groupRequests: get("/api/groups/:groupId/requests").returns<JoinRequestsResponse>(),
  groupInvitations: get("/api/groups/:groupId/invitations").returns<InvitationsResponse>(),
  groupCodes: get("/api/groups/:groupId/codes").returns<InviteCodesResponse>(),
  groupRules: get("/api/groups/:groupId/rules").returns<RulesResponse>(),
  groupLog: get("/api/groups/:groupId/log").query<CursorPage<number>>().returns<MembershipLogPage>(),
  invitations: get("/api/invitations").returns<InvitationsResponse>(),

  // ---- notifications ----
  notifications: get("/api/notifications")
    .query<CursorPage<number> & { unread?: boolean | null }>()
    .returns<NotificationPage>(),

  // ---- site admin ----
  adminUsers: get("/api/admin/users").query<OffsetPage>().returns<AdminUsersResponse>(),
  adminUser: get("/api/admin/users/:userId").returns<AdminUserResponse>(),
  audit: get("/api/admin/audit").query<CursorPage<number> & { user_id?: string }>().returns<AuditPage>(),

  // ---- character data ----
  characterSync: get("/api/characters/:characterId/sync").returns<CharacterSyncStatus>(),
  wallet: get("/api/characters/:characterId/wallet").returns<WalletResponse>(),
  skills: get("/api/characters/:characterId/skills").returns<Skills>(),
  journal: get("/api/characters/:characterId/wallet/journal")
    .query<CursorPage<string> & { ref_type?: string }>()
    .returns<JournalPage>(),
  transactions: get("/api/characters/:characterId/transactions")
    .query<CursorPage<string> & { buy?: boolean }>()
    .returns<TransactionsPage>(),
  orders: get("/api/characters/:characterId/orders").query<{ buy?: boolean }>().returns<OrdersResponse>(),
  assets: get("/api/characters/:characterId/assets")
    .query<OffsetPage & { location_id?: string | null; type_id?: string | null; type_ids?: string | null }>()
    .returns<AssetsPage>(),
  assetLocations: get("/api/characters/:characterId/assets/locations").returns<AssetLocations>(),
  walletHistory: get("/api/characters/:characterId/wallet/history").returns<WalletHistory>(),

  // ---- corporations ----
  corporations: get("/api/corporations").returns<CorporationsResponse>(),
  recruiting: get("/api/corporations/recruiting").returns<RecruitingResponse>(),
  corporation: get("/api/corporations/:corporationId").returns<CorporationResponse>(),
  corporationMembers: get("/api/corporations/:corporationId/members")
    .query<OffsetPage>()
    .returns<CorporationMembersPage>(),
  corporationData: get("/api/corporations/:corporationId/data/:dataset")
    .query<OffsetPage>()
    .returns<CorporationDatasetPage>(),
  corporationWalletHistory: get("/api/corporations/:corporationId/wallets/history").returns<CorporationWalletHistory>(),

  // ---- Discord ----
  discordMe: get("/api/discord/me").returns<DiscordMe>(),
  discordGuilds: get("/api/discord/guilds").returns<DiscordGuildsResponse>(),
  groupDiscord: get("/api/discord/groups/:groupId").returns<GroupDiscordResponse>(),

  // ---- static data and names ----
  // A read sent as POST (the ids go in the body); lib/names.tsx batches and caches it.
  typeSearch: get("/api/types").query<OffsetPage & { q: string }>().returns<TypeSearchPage>(),
  names: post("/api/names").body<IdsBody>().returns<NamesResponse>(),
  typeNames: post("/api/types/names").body<IdsBody>().returns<TypeNames>(),
};

const writes = {
  // ---- the account ----
  logout: post("/api/auth/logout").returns<void>(),
  endSession: del("/api/auth/sessions/:sessionId").returns<void>().invalidates(reads.sessions),
  setPrimary: post("/api/users/me/primary").body<PrimaryRequest>().returns<void>().invalidates(reads.me),
  // The check refreshes the token: its health on the dashboard changes.
  checkToken: post("/api/users/me/characters/:characterId/token-check")
    .returns<TokenCheckResponse>()
    .invalidates(reads.me),
  unlinkCharacter: del("/api/users/me/characters/:characterId").returns<void>().invalidates(reads.me),

  // ---- groups: categories (site admins) ----
  createCategory: post("/api/groups/categories").body<NewCategory>().returns<Category>().invalidates(reads.categories),
  updateCategory: patch("/api/groups/categories/:categoryId")
    .body<CategoryPatch>()
    .returns<Category>()
    .invalidates(reads.categories),
  deleteCategory: del("/api/groups/categories/:categoryId").returns<void>().invalidates(reads.categories),

  // ---- groups: membership (every list shows the caller's role and the member counts) ----
  createGroup: post("/api/groups").body<NewGroup>().returns<GroupDetail>().invalidates(reads.groups),
  updateGroup: patch("/api/groups/:groupId").body<GroupPatch>().returns<GroupDetail>().invalidates(reads.groups),
  deleteGroup: del("/api/groups/:groupId").returns<void>().removes(reads.group).invalidates(reads.groups),
  joinGroup: post("/api/groups/:groupId/join").returns<JoinOutcome>().invalidates(reads.groups),
  leaveGroup: post("/api/groups/:groupId/leave").returns<void>().invalidates(reads.groups),
  requestToJoin: post("/api/groups/:groupId/requests")
    .body<JoinRequestBody>()
    .returns<JoinRequest>()
    .invalidates(reads.groups),
  withdrawRequest: del("/api/groups/:groupId/requests/:requestId").returns<void>().invalidates(reads.groups),
  approveRequest: post("/api/groups/:groupId/requests/:requestId/approve")
    .returns<JoinRequest>()
    .invalidates(reads.groups),
  rejectRequest: post("/api/groups/:groupId/requests/:requestId/reject")
    .returns<JoinRequest>()
    .invalidates(reads.group),
  removeMember: del("/api/groups/:groupId/members/:userId").returns<void>().invalidates(reads.groups),
  transferOwnership: post("/api/groups/:groupId/owner").body<UserBody>().returns<void>().invalidates(reads.groups),
  acceptInvitation: post("/api/invitations/:invitationId/accept")
    .returns<JoinOutcome>()
    .invalidates(reads.invitations, reads.groups),
  declineInvitation: post("/api/invitations/:invitationId/decline")
    .returns<JoinOutcome>()
    .invalidates(reads.invitations, reads.groups),
  redeemCode: post("/api/invite").body<RedeemCodeBody>().returns<JoinOutcome>().invalidates(reads.groups),
  // Auto-join rules add members at once.
  addRule: post("/api/groups/:groupId/rules").body<NewRule>().returns<AddRuleResponse>().invalidates(reads.groups),

  // ---- groups: what only the group's own pages show ----
  addAdmin: post("/api/groups/:groupId/admins").body<UserBody>().returns<void>().invalidates(reads.group),
  removeAdmin: del("/api/groups/:groupId/admins/:userId").returns<void>().invalidates(reads.group),
  invitePilot: post("/api/groups/:groupId/invitations").body<InviteBody>().returns<Invitation>().invalidates(reads.group),
  revokeInvitation: del("/api/groups/:groupId/invitations/:invitationId").returns<void>().invalidates(reads.group),
  createCode: post("/api/groups/:groupId/codes").body<NewInviteCode>().returns<InviteCode>().invalidates(reads.group),
  revokeCode: del("/api/groups/:groupId/codes/:codeId").returns<void>().invalidates(reads.group),
  removeRule: del("/api/groups/:groupId/rules/:ruleId").returns<void>().invalidates(reads.group),
  announce: post("/api/groups/:groupId/announcements").body<AnnouncementBody>().returns<AnnouncementResponse>(),

  // ---- notifications ----
  markRead: post("/api/notifications/:notificationId/read").returns<void>().invalidates(reads.notifications),
  markAllRead: post("/api/notifications/read-all").returns<MarkAllReadResponse>().invalidates(reads.notifications),

  // ---- site admin (each change is audited) ----
  grantSiteAdmin: post("/api/admin/users/:userId/admin").returns<void>().invalidates(reads.adminUsers, reads.audit),
  revokeSiteAdmin: del("/api/admin/users/:userId/admin").returns<void>().invalidates(reads.adminUsers, reads.audit),
  ban: post("/api/admin/users/:userId/ban").body<BanBody>().returns<void>().invalidates(reads.adminUsers, reads.audit),
  liftBan: del("/api/admin/users/:userId/ban").returns<void>().invalidates(reads.adminUsers, reads.audit),
  adminEndSession: del("/api/admin/sessions/:sessionId").returns<void>().invalidates(reads.adminUsers, reads.audit),

  // ---- character data: a sync may change every dataset ----
  syncCharacter: post("/api/characters/:characterId/sync")
    .returns<SyncRunReport>()
    .invalidates(
      reads.characterSync,
      reads.wallet,
      reads.skills,
      reads.journal,
      reads.transactions,
      reads.orders,
      reads.assets,
    ),

  // ---- corporations ----
  registerCorporation: post("/api/corporations")
    .body<RegisterCorporationBody>()
    .returns<CorporationSummary | null>()
    .invalidates(reads.corporations),
  // Listings show the flags and texts too (the recruiting one).
  updateCorporation: patch("/api/corporations/:corporationId")
    .body<ManagedPatch>()
    .returns<CorporationSummary | null>()
    .invalidates(reads.corporations),
  addDirector: post("/api/corporations/:corporationId/directors")
    .body<DirectorBody>()
    .returns<void>()
    .invalidates(reads.corporation),
  removeDirector: del("/api/corporations/:corporationId/directors/:characterId")
    .returns<void>()
    .invalidates(reads.corporation),
  syncCorporation: post("/api/corporations/:corporationId/sync")
    .returns<SyncRunReport>()
    .invalidates(reads.corporation),

  // ---- Discord ----
  syncDiscord: post("/api/discord/me/sync").returns<DiscordMe>().invalidates(reads.discordMe),
  unlinkDiscord: del("/api/discord/me").returns<void>().invalidates(reads.discordMe),
  registerGuild: post("/api/discord/guilds")
    .body<RegisterGuildBody>()
    .returns<GuildView>()
    .invalidates(reads.discordGuilds),
  updateGuild: patch("/api/discord/guilds/:guildId")
    .body<GuildPatch>()
    .returns<GuildView>()
    .invalidates(reads.discordGuilds),
  refreshGuild: post("/api/discord/guilds/:guildId/refresh").returns<GuildView>().invalidates(reads.discordGuilds),
  removeGuild: del("/api/discord/guilds/:guildId").returns<void>().invalidates(reads.discordGuilds),
  // A group's tab refreshes its own read (`groupDiscord`) after these.
  attachRole: post("/api/discord/attachments")
    .body<NewAttachment>()
    .returns<Attachment>()
    .invalidates(reads.discordGuilds),
  detachRole: del("/api/discord/attachments/:attachmentId").returns<void>().invalidates(reads.discordGuilds),
};

/** Addresses the browser opens itself: the SSO's steps (which come back to `return_to`), the socket. */
const pages = {
  login: navigation("/api/auth/login/start").query<{ return_to: string }>(),
  linkCharacter: navigation("/api/auth/character/start").query<{ return_to: string }>(),
  grant: navigation("/api/auth/character/:characterId/grant").query<{
    scopes: "character_data" | "corporation_data";
    return_to: string;
  }>(),
  notificationSocket: navigation("/api/ws/notifications"),
  linkDiscord: navigation("/api/discord/link/start").query<{ return_to: string }>(),
};

export const endpoints = { ...reads, ...writes, ...pages };
