package api

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/password"
)

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func arrayOf(items obj) obj { return obj{"type": "array", "items": items} }

func object(required []string, props obj) obj {
	o := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

var (
	tStr      = obj{"type": "string"}
	tInt      = obj{"type": "integer"}
	tNum      = obj{"type": "number"}
	tBool     = obj{"type": "boolean"}
	tTime     = obj{"type": "string", "format": "date-time"}
	tTimeNull = obj{"type": []string{"string", "null"}, "format": "date-time"}
	tCounts   = obj{"type": "object", "additionalProperties": tInt}
)

// schemas are the components the route table's Body and Response name.
func schemas(channels []inbox.Channel) obj {
	status := enumOf(inbox.Statuses)
	return obj{
		"Problem": object([]string{"type", "title", "status"}, obj{
			"type": tStr, "title": tStr, "status": tInt, "detail": tStr, "instance": tStr, "request_id": tStr,
			"errors": arrayOf(ref("FieldError")),
		}),
		"FieldError": object([]string{"field", "message"}, obj{"field": tStr, "message": tStr}),
		"Health":     object([]string{"status"}, obj{"status": tStr}),
		"Ready": object([]string{"status", "accounts"}, obj{
			"status": enumOf([]string{"ready", "unavailable"}), "reason": tStr,
			"accounts": arrayOf(object([]string{"name", "state"}, obj{"name": tStr, "state": tStr})),
		}),
		"Metrics":     obj{"type": "string", "description": "Prometheus text exposition format"},
		"OpenAPI":     obj{"type": "object", "description": "This document"},
		"EventStream": obj{"type": "string", "description": "text/event-stream: id, event and data (the item's or reply's JSON) lines"},
		"Backup":      obj{"type": "string", "format": "binary", "description": "A consistent copy of the bbolt data file"},
		"Author":      object([]string{"id"}, obj{"id": tStr, "name": tStr, "handle": tStr}),
		"Attachment":  object([]string{"type"}, obj{"type": tStr, "url": tStr}),
		"Item": object([]string{"id", "channel", "account", "kind", "external_id", "author", "text", "created_at", "received_at", "status", "priority"}, obj{
			"id": tStr, "channel": enumOf(channels), "account": tStr, "kind": enumOf(inbox.Kinds),
			"external_id": tStr, "thread_id": tStr, "parent_id": tStr, "author": ref("Author"), "text": tStr,
			"attachments": arrayOf(ref("Attachment")), "permalink": tStr, "created_at": tTime, "received_at": tTime,
			"status": status, "assignee": tStr, "unit": tStr, "tags": arrayOf(tStr), "priority": enumOf(inbox.Priorities),
			"backfill": tBool, "answered_at": tTime,
			"ticket":                obj{"type": "string", "description": "The case's ticket number, e.g. UP4-2026-000123; absent on spam"},
			"external_ref":          tStr,
			"first_response_due_at": obj{"type": "string", "format": "date-time", "description": "SLA deadline of the first response, in office time from created_at"},
			"resolution_due_at":     obj{"type": "string", "format": "date-time", "description": "SLA deadline of the resolution, in office time from created_at"},
			"first_response_at":     obj{"type": "string", "format": "date-time", "description": "First sent human reply, or first human status change to answered or closed"},
			"overdue":               enumOf([]string{inbox.OverdueFirstResponse, inbox.OverdueResolution}),
			"reply_window_ends_at": obj{"type": "string", "format": "date-time", "description": "When the platform stops accepting an answer (Messenger: 24 hours after the citizen's latest message, 7 days with human_agent); " +
				"absent where no window applies. In lists it counts from this message; GET /api/v1/items/{id} counts from the citizen's latest message in the thread"},
		}),
		"ItemList": object([]string{"items", "next_cursor"}, obj{
			"items": arrayOf(ref("Item")), "next_cursor": obj{"type": "string", "description": "empty when there is nothing more"},
			"index_lag_seconds": obj{"type": "number", "minimum": 0,
				"description": "With q only: how far the word index is behind (the age of the oldest item not indexed yet); such items are still searched, one by one"},
		}),
		"Note":       object([]string{"id", "item_id", "text", "author", "created_at"}, obj{"id": tStr, "item_id": tStr, "text": tStr, "author": tStr, "created_at": tTime}),
		"AuditEntry": object([]string{"at", "actor", "field", "from", "to"}, obj{"at": tTime, "actor": tStr, "field": tStr, "from": tStr, "to": tStr}),
		"Detail": object([]string{"item", "thread", "replies", "notes", "audit"}, obj{
			"item": ref("Item"), "thread": arrayOf(ref("Item")), "replies": arrayOf(ref("Reply")),
			"notes": arrayOf(ref("Note")), "audit": arrayOf(ref("AuditEntry")),
		}),
		"ItemPatch": obj{"type": "object", "additionalProperties": false, "minProperties": 1, "properties": obj{
			"status": status, "assignee": obj{"type": "string", "maxLength": maxNameLen},
			"unit":         obj{"type": "string", "maxLength": maxNameLen, "description": "With units: configured, one of their codes (else a 422 listing them); \"\" clears it."},
			"tags":         obj{"type": "array", "maxItems": maxTags, "items": obj{"type": "string", "minLength": 1, "maxLength": maxTagLen}},
			"priority":     enumOf(inbox.Priorities),
			"external_ref": obj{"type": "string", "maxLength": inbox.MaxExternalRefLen, "description": "e.g. a SP4N-LAPOR! tracking id; \"\" clears it"},
		}},
		"NewNote": obj{"type": "object", "additionalProperties": false, "required": []string{"text"}, "properties": obj{
			"text": obj{"type": "string", "minLength": 1, "maxLength": maxNoteLen}}},
		"NewReply": obj{"type": "object", "additionalProperties": false, "oneOf": []obj{{"required": []string{"text"}}, {"required": []string{"template"}}}, "properties": obj{
			"template": obj{"type": "string", "description": "Instead of text: a reply template's name, rendered for the item " +
				"(GET /api/v1/items/{id}/templates lists those that fit). Both text and template is a 400; an unknown template, or one " +
				"whose unit, channel or kind does not fit the item, a 422 naming it. The rendered text is checked like typed text."},
			"text": obj{"type": "string", "minLength": 1, "description": "Within the platform's limit for this reply kind, counted " +
				"as the platform counts (POST /api/v1/items/{id}/reply-check tells). No control characters other than newline and tab, " +
				"no bidi override or isolate characters, and something visible. Over the limit is a 422 whose errors[] carries " +
				"limit, count and unit."},
			"private": obj{"type": "boolean", "default": false, "description": "Answer privately (Messenger private reply, X DM); " +
				"refused where the platform cannot."},
		}},
		"Reply": object([]string{"id", "item_id", "text", "private", "state", "attempts", "author", "created_at"}, obj{
			"id": tStr, "item_id": tStr, "text": tStr, "private": tBool, "state": enumOf(inbox.ReplyStates),
			"attempts": tInt, "last_error": tStr, "external_id": tStr, "author": tStr, "created_at": tTime,
			"attempted_at": tTime, "next_attempt_at": tTime, "sent_at": tTime, "idempotency_key": tStr, "external": tBool,
			"needs_decision": obj{"type": "boolean", "description": "an unknown reply the outbox gave up verifying: never sent again by itself; retry or drop it"},
			"auto":           obj{"type": "boolean", "description": "an automatic acknowledgement (auto_ack): never counts as an answer or first response; false on replies people wrote"},
			"template":       obj{"type": "string", "description": "the reply template the text was rendered from"},
			"warnings": obj{"type": "array", "items": tStr, "description": "On POST .../replies only: what the operator should know, " +
				"e.g. that an X post with a URL costs $0.200 instead of $0.015 under pay-per-use pricing."},
		}),
		"Template": object([]string{"name", "text"}, templateProps(channels)),
		"TemplateDetail": object([]string{"name", "text", "audit"}, func() obj {
			p := templateProps(channels)
			p["audit"] = arrayOf(ref("AuditEntry"))
			return p
		}()),
		"NewTemplate":    obj{"type": "object", "additionalProperties": false, "required": []string{"name", "text"}, "properties": templateProps(channels)},
		"TemplateUpdate": obj{"type": "object", "additionalProperties": false, "required": []string{"text"}, "properties": templateProps(channels)},
		"TemplateList": object([]string{"templates", "placeholders"}, obj{
			"templates": arrayOf(ref("Template")), "placeholders": arrayOf(tStr)}),
		"ItemTemplateList": object([]string{"templates"}, obj{"templates": arrayOf(object([]string{"name", "text", "template_text"}, func() obj {
			p := templateProps(channels)
			p["text"] = obj{"type": "string", "description": "rendered for the item"}
			p["template_text"] = obj{"type": "string", "description": "the stored text, with its placeholders"}
			return p
		}()))}),
		"ReplyCheck": object([]string{"count", "limit", "counting", "problems"}, obj{
			"count":    obj{"type": "integer", "description": "The draft's length in the platform's unit."},
			"limit":    obj{"type": "integer", "description": "The platform's limit for this reply kind; 0 when it cannot be sent at all."},
			"counting": obj{"type": "string", "description": "How count is measured: \"characters\" (code points) or the platform's weighting, e.g. \"x-weighted\" for an X post."},
			"problems": arrayOf(object([]string{"field", "detail"}, obj{"field": tStr, "detail": tStr})),
			"warnings": arrayOf(tStr),
		}),
		"MonthlyReport": object([]string{"month", "previous_month", "timezone", "from", "to", "backlog_final", "percentile_tolerance", "total", "units", "office_name", "generated_at"}, obj{
			"month": obj{"type": "string", "description": "YYYY-MM"}, "previous_month": obj{"type": "string", "description": "YYYY-MM, the month compared with"},
			"timezone":             obj{"type": "string", "description": "IANA zone of the month's boundaries (config timezone)"},
			"from":                 obj{"type": "string", "format": "date-time", "description": "the month's first instant"},
			"to":                   obj{"type": "string", "format": "date-time", "description": "the next month's first instant"},
			"unit":                 obj{"type": "string", "description": "set when the report is limited to one unit"},
			"backlog_final":        obj{"type": "boolean", "description": "the month has ended and backlog_end is its month-close snapshot; false: backlog_end is the backlog now"},
			"percentile_tolerance": obj{"type": "number", "description": "relative error of the p50/p90 figures (histogram buckets: 0.0905 = ±9 %)"},
			"total":                ref("ReportUnit"),
			"units":                obj{"type": "array", "items": ref("ReportUnit"), "description": "one per unit with figures in the month or the month before, by code; - is items without unit"},
			"office_name":          obj{"type": "string", "description": "office_name from the configuration"},
			"unit_names":           obj{"type": "object", "description": "configured units: code to name", "additionalProperties": tStr},
			"generated_at":         tTime,
		}),
		"ReportUnit": obj{"allOf": []obj{ref("ReportFigures"), object([]string{"unit", "previous"}, obj{
			"unit":     obj{"type": "string", "description": "unit code; - is items without unit; empty in total"},
			"previous": ref("ReportFigures"),
		})}},
		"ReportFigures": object([]string{"received", "received_by_channel", "received_by_kind", "answered", "closed", "ignored", "waiting",
			"first_response", "first_response_within_deadline", "resolved_within_deadline", "top_tags",
			"replies_sent", "automatic_replies_sent", "closed_in_month", "backlog_end"}, obj{
			"received":            obj{"type": "integer", "description": "cohort: items received in the month"},
			"received_by_channel": obj{"type": "object", "description": "cohort by channel", "additionalProperties": tInt},
			"received_by_kind":    obj{"type": "object", "description": "cohort by kind", "additionalProperties": tInt},
			"answered":            obj{"type": "integer", "description": "of the cohort, now answered"},
			"closed":              obj{"type": "integer", "description": "of the cohort, now closed"},
			"ignored":             obj{"type": "integer", "description": "of the cohort, now ignored"},
			"waiting":             obj{"type": "integer", "description": "of the cohort, still new or open"},
			"first_response": object([]string{"count", "p50_seconds", "p90_seconds", "p50_working_seconds", "p90_working_seconds"}, obj{
				"count":               obj{"type": "integer", "description": "cohort items with a first response (imported history is not timed)"},
				"p50_seconds":         obj{"type": "number", "description": "clock time from received_at"},
				"p90_seconds":         tNum,
				"p50_working_seconds": obj{"type": "number", "description": "office working time from created_at (the calendar)"},
				"p90_working_seconds": tNum,
			}),
			"first_response_within_deadline": ref("DeadlineShare"),
			"resolved_within_deadline":       ref("DeadlineShare"),
			"top_tags":                       arrayOf(object([]string{"tag", "count"}, obj{"tag": tStr, "count": tInt})),
			"replies_sent":                   obj{"type": "integer", "description": "flow: replies by people sent in the month (in inboxd or on the platform)"},
			"automatic_replies_sent":         obj{"type": "integer", "description": "flow: automatic acknowledgements sent in the month"},
			"closed_in_month":                obj{"type": "integer", "description": "flow: moves into closed in the month"},
			"backlog_end":                    obj{"type": "integer", "description": "items waiting at the month's end (see backlog_final)"},
		}),
		"DeadlineShare": object([]string{"with_deadline", "within", "share"}, obj{
			"with_deadline": obj{"type": "integer", "description": "cohort items with the deadline"},
			"within":        obj{"type": "integer", "description": "of them, met it"},
			"share":         obj{"type": "number", "description": "within / with_deadline; 0 when none"},
		}),
		"ReplyList":      object([]string{"replies", "next_cursor"}, obj{"replies": arrayOf(ref("Reply")), "next_cursor": tStr}),
		"ResponseWindow": object([]string{"count", "p50_seconds", "p90_seconds"}, obj{"count": tInt, "p50_seconds": tNum, "p90_seconds": tNum}),
		"Stats": object([]string{"by_status", "by_channel", "by_account", "by_unit", "by_unit_status", "waiting", "oldest_waiting_age_seconds", "first_response", "replies", "replies_needing_decision", "accounts"}, obj{
			"unit": tStr, "by_status": tCounts, "by_channel": tCounts, "by_account": tCounts, "by_unit": tCounts,
			"by_unit_status": obj{"type": "object", "description": "items per unit (\"\" is no unit) and status, read in the same snapshot", "additionalProperties": tCounts},
			"waiting":        tInt, "oldest_waiting_received_at": tTime, "oldest_waiting_age_seconds": tNum,
			"first_response": obj{"type": "object", "description": "keys 24h, 7d, 30d", "additionalProperties": ref("ResponseWindow")},
			"replies":        obj{"type": "object", "description": "people's replies per state", "additionalProperties": tInt}, "accounts": arrayOf(ref("Account")),
			"auto_replies":             obj{"type": "object", "description": "automatic acknowledgements per state (auto_ack), counted apart", "additionalProperties": tInt},
			"replies_needing_decision": obj{"type": "integer", "description": "unknown replies the outbox gave up verifying; an operator retries or drops each"},
			"overdue":                  obj{"type": "object", "description": "items past a deadline, keys first_response and resolution", "additionalProperties": tInt},
			"overdue_by_unit":          obj{"type": "object", "description": "office-wide stats: overdue items per unit", "additionalProperties": tInt},
			"first_response_working": obj{"type": "object", "description": "first-response time in office hours from created_at; keys 24h, 7d, 30d",
				"additionalProperties": ref("ResponseWindow")},
			"first_response_within_deadline": obj{"type": "object", "description": "share of first responses within their deadline; keys 24h, 7d, 30d",
				"additionalProperties": object([]string{"count", "within", "share"}, obj{"count": tInt, "within": tInt, "share": tNum})},
		}),
		"Account": object([]string{"name", "platform", "state"}, obj{
			"name": tStr, "platform": tStr,
			"state":        enumOf([]string{"idle", "polling", "backoff", "rate_limited", "usage_capped", "needs_reauth", "disabled"}),
			"last_poll_at": tTimeNull, "last_success_at": tTimeNull,
			"last_error":   object([]string{"class", "message", "at"}, obj{"class": tStr, "message": tStr, "at": tTime}),
			"paused_until": tTimeNull, "failures": tInt, "usage": obj{"type": "object"},
			"quarantine": ref("QuarantineSummary"),
		}),
		"AccountList": object([]string{"accounts"}, obj{"accounts": arrayOf(ref("Account"))}),
		"FreedMemory": object([]string{"heap_sys_bytes", "heap_inuse_bytes", "heap_released_bytes"}, obj{
			"heap_sys_bytes": tInt, "heap_inuse_bytes": tInt, "heap_released_bytes": tInt}),
		"AccountAction": object([]string{"account", "action", "status"}, obj{"account": tStr, "action": tStr, "status": tStr}),
		"QuarantineSummary": object([]string{"count"}, obj{
			"count": tInt, "last_reason": tStr, "last_at": tTime,
		}),
		"QuarantineRecord": object([]string{"id", "account", "source", "external_id", "reason", "at", "raw"}, obj{
			"id": tStr, "account": tStr, "source": tStr, "external_id": tStr, "reason": tStr, "at": tTime,
			"raw":           obj{"type": "string", "description": "The record as the platform sent it, cut to quarantine.max_raw_bytes"},
			"raw_truncated": tBool,
		}),
		"QuarantineList": object([]string{"records", "next_cursor"}, obj{"records": arrayOf(ref("QuarantineRecord")), "next_cursor": tStr}),
		"NewToken": obj{"type": "object", "additionalProperties": false, "required": []string{"name", "role"}, "properties": obj{
			"name": obj{"type": "string", "pattern": inbox.TokenNamePattern}, "role": enumOf([]inbox.Role{inbox.RoleViewer, inbox.RoleOperator, inbox.RoleAdmin}),
			"unit": obj{"type": "string", "description": "Scope the token to one unit; empty for every unit."},
		}},
		"Token": object([]string{"name", "role", "created_at"}, obj{
			"name": tStr, "role": tStr, "unit": tStr, "created_at": tTime, "last_used_at": tTime}),
		"CreatedToken": object([]string{"token", "secret"}, obj{"token": ref("Token"), "secret": obj{"type": "string", "description": "Shown only this once."}}),
		"TokenList": object([]string{"tokens", "next_cursor"}, obj{"tokens": arrayOf(ref("Token")),
			"next_cursor": obj{"type": "string", "description": "empty when there is nothing more"}}),
		"SignIn": obj{"type": "object", "additionalProperties": false, "required": []string{"username", "password"}, "properties": obj{
			"username": tStr, "password": obj{"type": "string", "format": "password"}}},
		"SetPassword": obj{"type": "object", "additionalProperties": false, "required": []string{"code", "password"}, "properties": obj{
			"code":     obj{"type": "string", "description": "The code query parameter of the set-password link."},
			"password": obj{"type": "string", "format": "password", "minLength": password.MinLen, "maxLength": password.MaxLen}}},
		"SessionInfo": object([]string{"username", "display_name", "role", "unit"}, obj{
			"username": tStr, "display_name": tStr, "role": tStr, "unit": obj{"type": "string", "description": "empty: every unit"}}),
		"User": object([]string{"username", "display_name", "role", "disabled", "password_set", "created_at"}, obj{
			"username": tStr, "display_name": tStr, "role": tStr, "unit": tStr, "disabled": tBool, "password_set": tBool,
			"created_at": tTime, "last_sign_in_at": tTime}),
		"UserDetail": obj{"allOf": []obj{ref("User"), object([]string{"audit"}, obj{"audit": arrayOf(ref("AuditEntry"))})}},
		"UserList":   object([]string{"users"}, obj{"users": arrayOf(ref("User"))}),
		"NewUser": obj{"type": "object", "additionalProperties": false, "required": []string{"username", "role"}, "properties": obj{
			"username":     obj{"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"},
			"display_name": obj{"type": "string", "maxLength": 100},
			"role":         enumOf([]inbox.Role{inbox.RoleViewer, inbox.RoleOperator, inbox.RoleAdmin}),
			"unit":         obj{"type": "string", "description": "Scope the user to one unit; empty for every unit."},
		}},
		"UserPatch": obj{"type": "object", "additionalProperties": false, "minProperties": 1, "properties": obj{
			"display_name": obj{"type": "string", "maxLength": 100},
			"role":         enumOf([]inbox.Role{inbox.RoleViewer, inbox.RoleOperator, inbox.RoleAdmin}),
			"unit":         obj{"type": "string", "description": "empty removes the scope"},
			"disabled":     tBool,
		}},
		"PasswordLink": object([]string{"set_password_url", "set_password_expires_at"}, obj{
			"set_password_url":        obj{"type": "string", "description": "One-time link on public_url (a path alone when it is unset)."},
			"set_password_expires_at": tTime}),
		"CreatedUser": obj{"allOf": []obj{ref("PasswordLink"), object([]string{"user"}, obj{"user": ref("User")})}},
		"RoutingTest": obj{"type": "object", "additionalProperties": false, "required": []string{"text"}, "properties": obj{
			"text": obj{"type": "string", "maxLength": maxRoutingTextLen}, "channel": enumOf(channels), "kind": enumOf(inbox.Kinds),
			"account": tStr, "author_handle": tStr,
			"created_at": obj{"type": "string", "format": "date-time", "description": "when the citizen wrote (RFC 3339); default now"},
		}},
		"RoutingRules": object([]string{"rules"}, obj{"rules": arrayOf(object([]string{"name"}, obj{
			"name": tStr, "any_words": arrayOf(tStr), "all_words": arrayOf(tStr), "regex": obj{"type": "string", "description": "RE2, on the normalised text"},
			"channel": tStr, "account": tStr, "kind": tStr, "author_handle": tStr,
			"unit": tStr, "tags": arrayOf(tStr), "priority": tStr, "assignee": tStr, "status": tStr,
		}))}),
		"RoutingResult": object([]string{"unit", "rule", "tags", "priority", "assignee", "status"}, obj{
			"unit": obj{"type": "string", "description": "empty: no rule sets a unit"}, "rule": obj{"type": "string", "description": "the matching rule; empty: none matched"},
			"tags": arrayOf(tStr), "priority": enumOf(inbox.Priorities), "assignee": tStr, "status": status,
			"first_response_due_at": obj{"type": "string", "format": "date-time", "description": "what ingest would set for a message written at created_at; absent without a matching sla policy"},
			"resolution_due_at":     obj{"type": "string", "format": "date-time", "description": "what ingest would set for a message written at created_at; absent without a matching sla policy"},
		}),
		"RoutingApply": obj{"type": "object", "additionalProperties": false, "properties": obj{
			"unit":    obj{"type": "string", "description": "only this unit; \"\" is the unrouted items; absent: every unit"},
			"status":  obj{"type": "string", "description": "one status, or waiting (new and open)"},
			"channel": enumOf(channels), "account": tStr,
			"received_after":  obj{"type": "string", "format": "date-time", "description": "inclusive; received_from and from are the same"},
			"received_before": obj{"type": "string", "format": "date-time", "description": "exclusive; received_to and to are the same"},
			"received_from":   tTime, "received_to": tTime, "from": tTime, "to": tTime,
		}},
		"RoutingJob": object([]string{"id", "state", "filter", "rules", "examined", "matched", "changed", "unchanged", "kept_by_human", "batches", "actor", "started_at"}, obj{
			"id": tStr, "state": enumOf([]string{"running", "done", "failed", "cancelled"}), "filter": ref("RoutingApply"),
			"rules": tInt, "examined": tInt, "matched": tInt, "changed": tInt, "unchanged": tInt,
			"kept_by_human": obj{"type": "integer", "description": "fields left alone because a person set them"},
			"batches":       tInt, "actor": tStr, "started_at": tTime, "finished_at": tTime, "error": tStr,
		}),
		"UnitCounts": object([]string{"total", "waiting", "by_status"}, obj{
			"total": tInt, "waiting": obj{"type": "integer", "description": "new and open"}, "by_status": tCounts}),
		"Unit": object([]string{"code", "name", "counts", "tokens"}, obj{
			"code": obj{"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}, "name": tStr, "short": tStr, "contact": tStr,
			"counts": ref("UnitCounts"), "tokens": obj{"type": "integer", "description": "tokens scoped to this unit"}}),
		"UnknownUnit": object([]string{"code", "counts", "tokens"}, obj{"code": tStr, "counts": ref("UnitCounts"), "tokens": tInt}),
		"UnitList": object([]string{"configured", "units", "unknown_units"}, obj{
			"configured":    obj{"type": "boolean", "description": "false: the config has no units: list and units are free text"},
			"units":         arrayOf(ref("Unit")),
			"unknown_units": obj{"type": "array", "items": ref("UnknownUnit"), "description": "units items or tokens carry that the config does not list"},
			"unrouted":      ref("UnitCounts"),
		}),
	}
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPIDocument builds the OpenAPI 3.1 document from the route table.
func openAPIDocument(routes []route, channels []inbox.Channel) obj {
	paths := obj{}
	for _, rt := range routes {
		item, _ := paths[rt.Path].(obj)
		if item == nil {
			item = obj{}
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = operation(rt)
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "inboxd operator API",
			"version":     "1",
			"description": "Triage, routing and replies for citizen messages on the office's social media accounts (channels: " + joinEnum(channels) + "). Errors are application/problem+json (RFC 9457).",
		},
		"servers": []obj{{"url": "/"}},
		"paths":   paths,
		"components": obj{
			"schemas": schemas(channels),
			"securitySchemes": obj{
				"bearer":  obj{"type": "http", "scheme": "bearer"},
				"session": obj{"type": "apiKey", "in": "cookie", "name": sessionCookieSecure, "description": "Set by POST /api/v1/session; named " + sessionCookiePlain + " over plain HTTP."},
			},
		},
	}
}

func operation(rt route) obj {
	d := rt.Doc
	op := obj{"operationId": d.ID, "summary": d.Summary, "tags": []string{d.Tag}}
	desc := d.Description
	if rt.Need != "" {
		rule := "Needs role " + string(rt.Need) + " or higher"
		if rt.Unscoped {
			rule += ", and a token not scoped to a unit"
		}
		if rt.MetricsAuth {
			rule += " (none when http.metrics_public is set)"
		}
		desc = strings.TrimSpace(desc + " " + rule + ".")
		op["security"] = []obj{{"bearer": []string{}}, {"session": []string{}}}
	} else {
		op["security"] = []obj{}
	}
	if desc != "" {
		op["description"] = desc
	}
	var params []obj
	for _, m := range pathParamRE.FindAllStringSubmatch(rt.Path, -1) {
		params = append(params, obj{"name": m[1], "in": "path", "required": true, "schema": tStr})
	}
	for _, p := range d.Query {
		params = append(params, obj{"name": p.Name, "in": "query", "description": p.Description, "schema": p.Schema})
	}
	for _, p := range d.Headers {
		params = append(params, obj{"name": p.Name, "in": "header", "description": p.Description, "schema": p.Schema})
	}
	if params != nil {
		op["parameters"] = params
	}
	if d.Body != "" {
		op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(d.Body)}}}
	}
	status := d.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := obj{"description": http.StatusText(status)}
	if d.Response != "" {
		ct := d.ContentType
		if ct == "" {
			ct = "application/json"
		}
		ok["content"] = obj{ct: obj{"schema": ref(d.Response)}}
		for _, alt := range d.AlsoContent {
			ok["content"].(obj)[alt] = obj{"schema": tStr}
		}
	}
	if len(d.ResponseHeaders) > 0 {
		hs := obj{}
		for _, h := range d.ResponseHeaders {
			hs[h] = obj{"schema": tStr}
		}
		ok["headers"] = hs
	}
	responses := obj{strconv.Itoa(status): ok}
	if d.ID == "addReply" {
		responses["200"] = obj{"description": "The reply already queued with this Idempotency-Key", "content": obj{"application/json": obj{"schema": ref("Reply")}}}
	}
	codes := append([]int(nil), d.Errors...)
	if rt.Need != "" {
		// 400: two Authorization headers; 429: repeated failed
		// authentication from the client's address.
		codes = append(codes, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests)
	}
	if len(rt.Doc.Query) > 0 {
		codes = append(codes, http.StatusBadRequest)
	}
	for _, c := range codes {
		responses[strconv.Itoa(c)] = obj{"description": http.StatusText(c),
			"content": obj{"application/problem+json": obj{"schema": ref("Problem")}}}
	}
	op["responses"] = responses
	return op
}

// templateProps are a reply template's fields; channels are the registered ones.
func templateProps(channels []inbox.Channel) obj {
	return obj{
		"name": obj{"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
		"text": obj{"type": "string", "minLength": 1, "maxLength": inbox.MaxTemplateLen, "description": "Placeholders: {" +
			strings.Join(inbox.Placeholders, "} {") + "}; any other {word} is refused, naming it. See docs/TEMPLATES.md."},
		"unit":     obj{"type": "string", "description": "only items of this unit"},
		"channel":  enumOf(channels),
		"kind":     enumOf(inbox.Kinds),
		"language": obj{"type": "string", "description": "e.g. id"},
	}
}
