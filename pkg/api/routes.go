package api

import (
	"net/http"
	"strconv"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/report"
)

// route is one entry of the route table: what the mux matches, who may
// call it, the handler, and its OpenAPI description.
type route struct {
	Method string
	Path   string
	// Need is the least role the caller must have; "" is a public route.
	Need inbox.Role
	// Unscoped routes refuse unit-scoped tokens (403).
	Unscoped bool
	// MetricsAuth routes become public when Options.MetricsPublic is set.
	MetricsAuth bool
	Handle      func(*Server, http.ResponseWriter, *http.Request) error
	Doc         opDoc
}

// opDoc documents a route. Query also lists the only query parameters the
// route accepts: any other is a 400 naming it.
type opDoc struct {
	ID, Summary, Description string
	Tag                      string
	Query                    []param
	Headers                  []param // request headers worth documenting
	Body                     string  // request body schema name ("" none)
	Status                   int     // success status
	Response                 string  // success schema name ("" no body)
	ContentType              string  // success content type; default application/json
	// AlsoContent are further success content types (a string body each),
	// chosen by a query parameter.
	AlsoContent     []string
	ResponseHeaders []string
	Errors          []int // problem statuses besides the auth ones
}

// param is a query parameter or header.
type param struct {
	Name, Description string
	Schema            map[string]any
}

func str(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }

func enumOf[T ~string](vals []T, extra ...string) map[string]any {
	out := make([]string, 0, len(vals)+len(extra))
	for _, v := range vals {
		out = append(out, string(v))
	}
	return map[string]any{"type": "string", "enum": append(out, extra...)}
}

var (
	limitParam  = param{"limit", "Page size, 1-200 (default 50); above 200 is a 422.", map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}}
	cursorParam = param{"cursor", "Opaque cursor from next_cursor of the previous page.", str("")}
)

// routeTable is THE list of routes: the mux, auth, metrics labels and the
// OpenAPI document are all derived from it.
// routeTable is the API's routes; channels are the registered platforms
// (the channel parameter's enum).
func routeTable(channels []inbox.Channel) []route {
	return []route{
		{Method: "GET", Path: "/healthz", Handle: (*Server).healthz, Doc: opDoc{
			ID: "healthz", Tag: "ops", Summary: "Liveness: the process serves HTTP", Response: "Health"}},
		{Method: "GET", Path: "/readyz", Handle: (*Server).readyz, Doc: opDoc{
			ID: "readyz", Tag: "ops", Summary: "Readiness: the store is open and the server serves; each account's state",
			Description: "An account needing re-authorisation never makes this 503: the others keep working.",
			Response:    "Ready", Errors: []int{503}}},
		{Method: "GET", Path: "/metrics", Need: inbox.RoleViewer, Unscoped: true, MetricsAuth: true, Handle: (*Server).metricsHandler, Doc: opDoc{
			ID: "metrics", Tag: "ops", Summary: "Prometheus metrics (public when http.metrics_public is set)",
			Response: "Metrics", ContentType: "text/plain"}},
		{Method: "GET", Path: "/api/v1/openapi.json", Need: inbox.RoleViewer, Handle: (*Server).openAPI, Doc: opDoc{
			ID: "openapi", Tag: "ops", Summary: "This OpenAPI 3.1 document", Response: "OpenAPI"}},

		{Method: "GET", Path: "/api/v1/items", Need: inbox.RoleViewer, Handle: (*Server).listItems, Doc: opDoc{
			ID: "listItems", Tag: "items", Summary: "List items, newest first by default",
			Description: "q searches a word index (docs/SEARCH.md): every word must match, the last one as a prefix once it has 3 characters (a number whole), a quoted phrase matches adjacent words; it combines with every other filter. Items the index has not reached yet are checked one by one, a bounded number per request: a short page with next_cursor means: continue.",
			Query: []param{
				{"status", "Comma-separated statuses, or waiting (new and open).", str("e.g. new,open")},
				{"channel", "", enumOf(channels)},
				{"account", "Account name from the configuration.", str("")},
				{"kind", "", enumOf(inbox.Kinds)},
				{"unit", "Unit (government office); - selects items with no unit.", str("")},
				{"assignee", "", str("")},
				{"tag", "", str("")},
				{"ticket", "The items of one case, e.g. UP4-2026-000123.", str("")},
				{"overdue", "true: items past a deadline (first response or resolution); false: the others.", enumOf([]string{"true", "false"})},
				{"external_ref", "Items with this external reference (e.g. a SP4N-LAPOR! id).", str("")},
				{"q", "Words of the text, author name or handle, ticket or notes, normalised as routing rules normalise text (\"jln\" finds \"jalan\"); \"quoted words\" match as a phrase.", str("e.g. jalan rusak")},
				{"order", "", enumOf([]string{"newest", "oldest"})},
				limitParam, cursorParam,
			},
			Response: "ItemList", Errors: []int{400, 422}}},
		{Method: "GET", Path: "/api/v1/items/{id}", Need: inbox.RoleViewer, Handle: (*Server).getItem, Doc: opDoc{
			ID: "getItem", Tag: "items", Summary: "An item with its thread, replies, notes and audit trail",
			Response: "Detail", Errors: []int{404}}},
		{Method: "PATCH", Path: "/api/v1/items/{id}", Need: inbox.RoleOperator, Handle: (*Server).patchItem, Doc: opDoc{
			ID: "patchItem", Tag: "items", Summary: "Change status, assignee, unit, tags, priority or external_ref",
			Description: "A refused status transition is a 409 naming both states.",
			Body:        "ItemPatch", Response: "Item", Errors: []int{400, 404, 409, 413, 415, 422}}},
		{Method: "POST", Path: "/api/v1/items/{id}/notes", Need: inbox.RoleOperator, Handle: (*Server).addNote, Doc: opDoc{
			ID: "addNote", Tag: "items", Summary: "Add an internal note (never sent to a platform)",
			Body: "NewNote", Status: 201, Response: "Note", Errors: []int{400, 404, 413, 415, 422}}},
		{Method: "POST", Path: "/api/v1/items/{id}/replies", Need: inbox.RoleOperator, Handle: (*Server).addReply, Doc: opDoc{
			ID: "addReply", Tag: "replies", Summary: "Queue a reply to the item",
			Description: "202 with the queued reply and a Location. An Idempotency-Key seen before from the same token for this item with the same body " +
				"returns the same reply with 200; with a different body, 409.",
			Headers: []param{{"Idempotency-Key", "Optional; scoped to the item and the token (two operators never collide); at most 200 printable characters.", str("")}},
			Body:    "NewReply", Status: 202, Response: "Reply", ResponseHeaders: []string{"Location"},
			Errors: []int{400, 404, 409, 413, 415, 422}}},
		{Method: "POST", Path: "/api/v1/items/{id}/reply-check", Need: inbox.RoleOperator, Handle: (*Server).checkReply, Doc: opDoc{
			ID: "checkReply", Tag: "replies", Summary: "Count a draft reply the way its platform counts and list what would be refused",
			Description: "Always 200 for a well-formed request; queues nothing. count and limit are in the platform's unit " +
				"(counting: x-weighted for an X post, characters otherwise); problems lists what POST .../replies would refuse " +
				"(text: too long, control or bidi characters, nothing visible; private: not possible here, or a private reply " +
				"the platform takes only once is already there).",
			Body: "NewReply", Response: "ReplyCheck", Errors: []int{400, 404, 413, 415}}},

		{Method: "GET", Path: "/api/v1/items/{id}/templates", Need: inbox.RoleViewer, Handle: (*Server).itemTemplates, Doc: opDoc{
			ID: "itemTemplates", Tag: "templates", Summary: "The reply templates that fit the item (its unit, channel and kind), rendered for it",
			Description: "text is the template rendered for this item (placeholders filled, missing values in their polite forms); " +
				"template_text is the stored text. Send one with POST .../replies {\"template\": name}.",
			Response: "ItemTemplateList", Errors: []int{404}}},

		{Method: "GET", Path: "/api/v1/templates", Need: inbox.RoleViewer, Handle: (*Server).listTemplates, Doc: opDoc{
			ID: "listTemplates", Tag: "templates", Summary: "Reply templates, by name, and the placeholders they may use",
			Description: "A unit-scoped caller sees the shared templates (no unit) and its unit's.",
			Response:    "TemplateList"}},
		{Method: "POST", Path: "/api/v1/templates", Need: inbox.RoleOperator, Handle: (*Server).createTemplate, Doc: opDoc{
			ID: "createTemplate", Tag: "templates", Summary: "Create a reply template (audited)",
			Description: "An unknown placeholder is a 422 naming it; an existing name is a 409. A unit-scoped caller creates " +
				"templates of its unit only (no unit given: its unit).",
			Body: "NewTemplate", Status: 201, Response: "Template", ResponseHeaders: []string{"Location"},
			Errors: []int{400, 409, 413, 415, 422}}},
		{Method: "GET", Path: "/api/v1/templates/{name}", Need: inbox.RoleViewer, Handle: (*Server).getTemplate, Doc: opDoc{
			ID: "getTemplate", Tag: "templates", Summary: "A reply template with the audit trail of its changes",
			Response: "TemplateDetail", Errors: []int{404}}},
		{Method: "PUT", Path: "/api/v1/templates/{name}", Need: inbox.RoleOperator, Handle: (*Server).putTemplate, Doc: opDoc{
			ID: "putTemplate", Tag: "templates", Summary: "Replace a reply template (audited per changed field)",
			Description: "The body is the whole template; name may be left out (it must equal the path's otherwise).",
			Body:        "TemplateUpdate", Response: "Template", Errors: []int{400, 404, 413, 415, 422}}},
		{Method: "DELETE", Path: "/api/v1/templates/{name}", Need: inbox.RoleOperator, Handle: (*Server).deleteTemplate, Doc: opDoc{
			ID: "deleteTemplate", Tag: "templates", Summary: "Delete a reply template (audited)", Status: 204, Errors: []int{404}}},

		{Method: "GET", Path: "/api/v1/replies", Need: inbox.RoleViewer, Handle: (*Server).listReplies, Doc: opDoc{
			ID: "listReplies", Tag: "replies", Summary: "List replies, newest first",
			Query: []param{
				{"state", "", enumOf(inbox.ReplyStates)},
				{"item_id", "", str("")},
				{"account", "", str("")},
				limitParam, cursorParam,
			},
			Response: "ReplyList", Errors: []int{400, 422}}},
		{Method: "GET", Path: "/api/v1/replies/{id}", Need: inbox.RoleViewer, Handle: (*Server).getReply, Doc: opDoc{
			ID: "getReply", Tag: "replies", Summary: "One reply", Response: "Reply", Errors: []int{404}}},
		{Method: "POST", Path: "/api/v1/replies/{id}/retry", Need: inbox.RoleOperator, Handle: (*Server).retryReply, Doc: opDoc{
			ID: "retryReply", Tag: "replies", Summary: "Queue a failed or unknown reply again (an operator's decision)",
			Response: "Reply", Errors: []int{404, 409}}},
		{Method: "DELETE", Path: "/api/v1/replies/{id}", Need: inbox.RoleOperator, Handle: (*Server).cancelReply, Doc: opDoc{
			ID: "cancelReply", Tag: "replies", Summary: "Cancel a queued reply, or drop an unknown one after checking the platform by hand",
			Response: "Reply", Errors: []int{404, 409}}},

		{Method: "GET", Path: "/api/v1/stats", Need: inbox.RoleViewer, Handle: (*Server).stats, Doc: opDoc{
			ID: "stats", Tag: "stats", Summary: "Queue statistics from the store's counters (a unit-scoped token sees its unit only)",
			Query:    []param{{"unit", "Only this unit; - is items with no unit.", str("")}},
			Response: "Stats", Errors: []int{400, 422}}},
		{Method: "GET", Path: "/api/v1/reports/monthly", Need: inbox.RoleViewer, Handle: (*Server).monthlyReport, Doc: opDoc{
			ID: "monthlyReport", Tag: "reports", Summary: "The monthly report: the month's items per unit and in total, beside the month before",
			Description: "Figures (docs/REPORT.md) come from counters kept at write time: the cohort of items received in the month " +
				"(in the configured timezone) by their current state, and the month's flows (replies sent, closures, backlog at the month's end). " +
				"format=csv is UTF-8 with a BOM, Indonesian headers, one row per unit and a total; format=html is a printable A4 page in " +
				"Bahasa Indonesia with an inline SVG chart and no external assets. A missing or malformed month is a 422 naming it. " +
				"A unit-scoped token gets its own unit's report (another unit is a 404).",
			Query: []param{
				{"month", "Required: the month as YYYY-MM.", map[string]any{"type": "string", "pattern": `^[0-9]{4}-(0[1-9]|1[0-2])$`, "example": "2026-11"}},
				{"unit", "Only this unit; - is items with no unit.", str("")},
				{"format", "json (default), csv or html.", map[string]any{"type": "string", "enum": report.Formats, "default": report.FormatJSON}},
			},
			Response: "MonthlyReport", AlsoContent: []string{report.ContentTypeCSV, report.ContentTypeHTML}, Errors: []int{404, 422}}},
		{Method: "GET", Path: "/api/v1/units", Need: inbox.RoleViewer, Handle: (*Server).listUnits, Doc: opDoc{
			ID: "listUnits", Tag: "units", Summary: "The configured units (government offices) with live counts",
			Description: "Counts come from the store's counters. unknown_units lists units that items or tokens carry but the " +
				"configuration does not (fix them with PATCH). Without units: in the config, configured is false and units lists " +
				"the free-text units in use. A unit-scoped token sees its own unit only.",
			Response: "UnitList"}},
		{Method: "GET", Path: "/api/v1/routing/rules", Need: inbox.RoleViewer, Handle: (*Server).listRoutingRules, Doc: opDoc{
			ID: "listRoutingRules", Tag: "routing", Summary: "The running routing rules, in order (the first that matches wins)",
			Description: "Read-only: rules live in the config file's routing: list and change with a reload. Keys are the " +
				"config's; empty ones are left out. A unit-scoped caller sees the rules that route to its unit.",
			Response: "RoutingRules"}},
		{Method: "POST", Path: "/api/v1/routing/test", Need: inbox.RoleOperator, Handle: (*Server).routingTest, Doc: opDoc{
			ID: "routingTest", Tag: "routing", Summary: "Dry run: what the running routing rules would set on this message",
			Description: "Answers exactly what ingest would store: a message no rule matches gets unit \"\", rule \"\", " +
				"priority normal and status new. Nothing is stored.",
			Body: "RoutingTest", Response: "RoutingResult", Errors: []int{400, 413, 415, 422}}},
		{Method: "POST", Path: "/api/v1/routing/apply", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).routingApply, Doc: opDoc{
			ID: "routingApply", Tag: "routing", Summary: "Re-route stored items with the running rules, as a background job",
			Description: "The body selects the items: unit (\"\" for the unrouted ones), status, received_after, received_before " +
				"(an empty body is every item). The job applies the first matching rule to each, in batches of " + strconv.Itoa(rerouteBatch) +
				" items per transaction, and changes only fields no person has set (a human edit in the audit trail wins); " +
				"each change is audited as rule:<name>. One job runs at a time (409 while one runs). 202 with the job and a Location.",
			Body: "RoutingApply", Status: 202, Response: "RoutingJob", ResponseHeaders: []string{"Location"},
			Errors: []int{400, 409, 413, 415, 422}}},
		{Method: "GET", Path: "/api/v1/routing/apply/{id}", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).routingApplyStatus, Doc: opDoc{
			ID: "routingApplyStatus", Tag: "routing", Summary: "Progress and counts of a re-routing job (the last 20 are kept)",
			Response: "RoutingJob", Errors: []int{404}}},
		{Method: "GET", Path: "/api/v1/accounts", Need: inbox.RoleViewer, Handle: (*Server).listAccounts, Doc: opDoc{
			ID: "listAccounts", Tag: "accounts", Summary: "Configured accounts and their pipeline state", Response: "AccountList"}},
		{Method: "POST", Path: "/api/v1/accounts/{name}/poll", Need: inbox.RoleOperator, Unscoped: true, Handle: (*Server).pollAccount, Doc: opDoc{
			ID: "pollAccount", Tag: "accounts", Summary: "Poll the account now", Status: 202, Response: "AccountAction",
			Errors: []int{404, 409, 503}}},
		{Method: "POST", Path: "/api/v1/accounts/{name}/resume", Need: inbox.RoleOperator, Unscoped: true, Handle: (*Server).resumeAccount, Doc: opDoc{
			ID: "resumeAccount", Tag: "accounts", Summary: "Lift a usage-cap pause or retry after re-authorisation", Status: 202,
			Response: "AccountAction", Errors: []int{404, 409, 503}}},

		{Method: "GET", Path: "/api/v1/quarantine", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).listQuarantine, Doc: opDoc{
			ID: "listQuarantine", Tag: "accounts", Summary: "Records polls got but could not use, newest first",
			Description: "A record a connector could not normalise, or the store refused, is kept here with its raw payload " +
				"(cut to quarantine.max_raw_bytes), and the account's poll moved past it. Bounded by quarantine.max_records and max_age.",
			Query: []param{
				{"account", "Only this account's records.", str("")},
				limitParam, cursorParam,
			},
			Response: "QuarantineList", Errors: []int{400, 422}}},

		{Method: "GET", Path: "/api/v1/events", Need: inbox.RoleViewer, Handle: (*Server).eventStream, Doc: opDoc{
			ID: "events", Tag: "events", Summary: "Server-Sent Events: item.created, item.updated, item.moved_out, reply.queued, reply.sent, reply.failed, reply.updated",
			Description: "A unit-scoped token's stream gets item.moved_out ({\"item_id\",\"change\":\"moved out\"}) when an item leaves its unit. " +
				"Streams are capped per token (http.max_streams_per_token) and in total (http.max_streams): 429 with Retry-After beyond. " +
				"Each event has an id line; reconnect with Last-Event-ID to receive what was missed (from a bounded ring; " +
				"an event named reset says events were lost and the client should refetch). A comment line is sent as a heartbeat.",
			Headers:  []param{{"Last-Event-ID", "Resume after this event id.", str("")}},
			Response: "EventStream", ContentType: "text/event-stream", Errors: []int{429, 503}}},

		{Method: "POST", Path: "/api/v1/tokens", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).createToken, Doc: opDoc{
			ID: "createToken", Tag: "tokens", Summary: "Create a token; the secret is returned this once",
			Description: "409 when the name exists or http.max_tokens tokens exist.",
			Body:        "NewToken", Status: 201, Response: "CreatedToken", Errors: []int{400, 409, 413, 415, 422}}},
		{Method: "GET", Path: "/api/v1/tokens", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).listTokens, Doc: opDoc{
			ID: "listTokens", Tag: "tokens", Summary: "List tokens by name (never their secrets), a page at a time",
			Query: []param{limitParam, cursorParam}, Response: "TokenList", Errors: []int{400, 422}}},
		{Method: "DELETE", Path: "/api/v1/tokens/{name}", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).revokeToken, Doc: opDoc{
			ID: "revokeToken", Tag: "tokens", Summary: "Revoke a token", Status: 204, Errors: []int{404}}},

		{Method: "POST", Path: "/api/v1/session", Handle: (*Server).signIn, Doc: opDoc{
			ID: "signIn", Tag: "session", Summary: "Sign in with a username and password; 204 sets the session cookie",
			Description: "A wrong username and a wrong password get the same 401. Repeated failures per username and per client " +
				"address are throttled (429 with Retry-After), and locked for a while after sessions.max_failures. " +
				"Refused from another origin (403).",
			Body: "SignIn", Status: 204, ResponseHeaders: []string{"Set-Cookie"}, Errors: []int{400, 401, 403, 413, 415, 429}}},
		{Method: "GET", Path: "/api/v1/session", Need: inbox.RoleViewer, Handle: (*Server).whoAmI, Doc: opDoc{
			ID: "getSession", Tag: "session", Summary: "Who is signed in (with a bearer token: the token's name, role and unit)",
			Response: "SessionInfo"}},
		{Method: "DELETE", Path: "/api/v1/session", Handle: (*Server).signOut, Doc: opDoc{
			ID: "signOut", Tag: "session", Summary: "Sign out: ends this session (everywhere=true: all of the user's sessions) and clears the cookie",
			Query:  []param{{"everywhere", "true ends every session of the signed-in user, and their open event streams.", enumOf([]string{"true", "false"})}},
			Status: 204, Errors: []int{401, 403}}},
		{Method: "POST", Path: "/api/v1/session/set-password", Handle: (*Server).setPassword, Doc: opDoc{
			ID: "setPassword", Tag: "session", Summary: "Set a password with the code of a one-time set-password link",
			Description: "The code works once, for 24 hours. A refused password is a 422 saying why " +
				"(at least 12 characters, not the username, not a common password). Signs the user out everywhere.",
			Body: "SetPassword", Status: 204, Errors: []int{400, 403, 413, 415, 422}}},

		{Method: "POST", Path: "/api/v1/users", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).createUser, Doc: opDoc{
			ID: "createUser", Tag: "users", Summary: "Create a user; answers with a one-time set-password link (24 h)",
			Body: "NewUser", Status: 201, Response: "CreatedUser", ResponseHeaders: []string{"Location"}, Errors: []int{400, 409, 413, 415, 422}}},
		{Method: "GET", Path: "/api/v1/users", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).listUsers, Doc: opDoc{
			ID: "listUsers", Tag: "users", Summary: "List users (never their passwords)", Response: "UserList"}},
		{Method: "GET", Path: "/api/v1/users/{username}", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).getUser, Doc: opDoc{
			ID: "getUser", Tag: "users", Summary: "A user with the audit trail of changes to it", Response: "UserDetail", Errors: []int{404}}},
		{Method: "PATCH", Path: "/api/v1/users/{username}", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).patchUser, Doc: opDoc{
			ID: "patchUser", Tag: "users", Summary: "Change display name, role, unit or disabled",
			Description: "A new role or unit, or disabling, ends the user's sessions and open event streams at once.",
			Body:        "UserPatch", Response: "User", Errors: []int{400, 404, 413, 415, 422}}},
		{Method: "POST", Path: "/api/v1/users/{username}/disable", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).disableUser, Doc: opDoc{
			ID: "disableUser", Tag: "users", Summary: "Disable a user: no more sign-ins; their sessions and streams end now",
			Response: "User", Errors: []int{404}}},
		{Method: "POST", Path: "/api/v1/users/{username}/enable", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).enableUser, Doc: opDoc{
			ID: "enableUser", Tag: "users", Summary: "Enable a disabled user", Response: "User", Errors: []int{404}}},
		{Method: "POST", Path: "/api/v1/users/{username}/reset-password", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).resetUserPassword, Doc: opDoc{
			ID: "resetUserPassword", Tag: "users", Summary: "Remove the password, end the sessions, and answer a new one-time set-password link",
			Response: "PasswordLink", Errors: []int{404}}},
		{Method: "DELETE", Path: "/api/v1/users/{username}/sessions", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).endUserSessions, Doc: opDoc{
			ID: "endUserSessions", Tag: "users", Summary: "Sign the user out everywhere", Status: 204, Errors: []int{404}}},

		{Method: "GET", Path: "/api/v1/backup", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).backup, Doc: opDoc{
			ID: "backup", Tag: "ops", Summary: "Hot backup of the data file as a download",
			Description: "One backup runs at a time (429 with Retry-After otherwise); 507 says how many bytes the temporary copy " +
				"needs when the data directory cannot hold it.",
			Response: "Backup", ContentType: "application/octet-stream", ResponseHeaders: []string{"Content-Length", "Content-Disposition"},
			Errors: []int{429, 507}}},
		{Method: "POST", Path: "/api/v1/debug/free-memory", Need: inbox.RoleAdmin, Unscoped: true, Handle: (*Server).freeMemory, Doc: opDoc{
			ID: "freeMemory", Tag: "ops", Summary: "Return freed memory to the operating system now",
			Description: "Runs a garbage collection and hands every free page back (debug.FreeOSMemory). For measuring memory: " +
				"the Go runtime otherwise returns freed pages over several minutes. Costs a few milliseconds of CPU.",
			Response: "FreedMemory"}},
	}
}
