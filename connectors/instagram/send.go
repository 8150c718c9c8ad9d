package instagram

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/metagraph"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// Instagram's windows for answering are Meta's (the package doc cites them).
const (
	StandardWindow     = metagraph.StandardWindow
	HumanAgentWindow   = metagraph.HumanAgentWindow
	PrivateReplyWindow = metagraph.PrivateReplyWindow
)

// Send posts a reply: a reply to a comment, a private reply to a comment
// (a DM), or a DM.
func (c *Connector) Send(ctx context.Context, out connectors.Outgoing) (string, error) {
	it := out.Item
	target, err := Replies().CheckReply(it.Kind, out.Reply.Private, out.Reply.Text)
	if err != nil {
		return "", connectors.Errorf(connectors.Permanent, "send reply", "%s", err.Error())
	}
	switch {
	case it.Kind == inbox.KindMessage:
		return c.sendMessage(ctx, out)
	case target.SendsPrivately:
		return c.sendPrivateReply(ctx, out)
	default:
		return c.sendComment(ctx, out)
	}
}

// replyTarget is the comment a public reply goes under: Instagram takes
// replies on top-level comments only.
func replyTarget(it inbox.Item) string { return cmp.Or(it.ParentID, it.ExternalID) }

func (c *Connector) sendComment(ctx context.Context, out connectors.Outgoing) (string, error) {
	const op = "send comment reply"
	var r struct {
		ID string `json:"id"`
	}
	if err := c.client.PostForm(ctx, op, replyTarget(out.Item)+"/replies", url.Values{"message": {out.Reply.Text}}, &r); err != nil {
		return "", err
	}
	if r.ID == "" {
		return "", &connectors.Error{Class: connectors.Transient, Op: op, MayHaveReached: true,
			Message: "Instagram accepted the reply but its answer carried no id"}
	}
	return r.ID, nil
}

func (c *Connector) sendMessage(ctx context.Context, out connectors.Outgoing) (string, error) {
	const op = "send message"
	if out.Item.Author.ID == "" {
		return "", connectors.Errorf(connectors.Permanent, op, "the message has no sender id to answer")
	}
	last := out.LastInboundAt
	if last.IsZero() {
		last = out.Item.CreatedAt
	}
	body := map[string]any{
		"recipient": map[string]string{"id": out.Item.Author.ID},
		"message":   map[string]string{"text": out.Reply.Text},
	}
	switch age := c.now().Sub(last); {
	case age < StandardWindow:
		body["messaging_type"] = "RESPONSE"
	case age < HumanAgentWindow && c.cfg.HumanAgent:
		body["messaging_type"], body["tag"] = "MESSAGE_TAG", "HUMAN_AGENT"
	case age < HumanAgentWindow:
		return "", connectors.Errorf(connectors.Permanent, op,
			"messaging window closed: the citizen last wrote %s ago and Instagram allows an answer only within 24 hours "+
				"(up to 7 days needs Meta's Human Agent permission and human_agent: true); answer in a comment or wait for the citizen to write again",
			age.Truncate(time.Minute))
	default:
		return "", connectors.Errorf(connectors.Permanent, op,
			"messaging window closed: the citizen last wrote %s ago, more than 7 days; wait for the citizen to write again", age.Truncate(time.Minute))
	}
	return c.postMessage(ctx, op, body)
}

func (c *Connector) sendPrivateReply(ctx context.Context, out connectors.Outgoing) (string, error) {
	const op = "send private reply"
	if age := c.now().Sub(out.Item.CreatedAt); age >= PrivateReplyWindow {
		return "", connectors.Errorf(connectors.Permanent, op,
			"the comment is %s old and Instagram allows a private reply only within 7 days of it; answer publicly", age.Truncate(time.Minute))
	}
	return c.postMessage(ctx, op, map[string]any{
		"recipient": map[string]string{"comment_id": out.Item.ExternalID},
		"message":   map[string]string{"text": out.Reply.Text},
	})
}

// postMessage calls the Send API. Its parameters go form-encoded, the
// object ones as JSON, as Graph documents for every POST (and as
// connectors/facebook's client sends them).
func (c *Connector) postMessage(ctx context.Context, op string, body map[string]any) (string, error) {
	form := url.Values{}
	for k, v := range body {
		if s, ok := v.(string); ok {
			form.Set(k, s)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("%s: %w", op, err)
		}
		form.Set(k, string(b))
	}
	var r struct {
		RecipientID string `json:"recipient_id"`
		MessageID   string `json:"message_id"`
	}
	if err := c.client.PostForm(ctx, op, c.cfg.PageID+"/messages", form, &r); err != nil {
		return "", err
	}
	if r.MessageID == "" {
		return "", &connectors.Error{Class: connectors.Transient, Op: op, MayHaveReached: true,
			Message: "Instagram accepted the message but its answer carried no message_id"}
	}
	return r.MessageID, nil
}

// verifyPages bounds how far Verify looks on the target.
const verifyPages = 5

// Verify looks for the account's own reply with the same text on the
// target, created at or after since.
func (c *Connector) Verify(ctx context.Context, out connectors.Outgoing, since time.Time) (string, bool, error) {
	it := out.Item
	since = since.Truncate(time.Second)
	text := strings.TrimSpace(out.Reply.Text)
	if it.Kind == inbox.KindMessage || out.Reply.Private {
		// A private reply opens (or joins) the commenter's conversation:
		// find it by the person's id, as a DM's own conversation.
		q := url.Values{"platform": {"instagram"}, "user_id": {it.Author.ID}, "fields": {"id,messages.limit(25){" + messageFields + "}"}}
		var l metagraph.List[conversation]
		if err := c.client.Get(ctx, "verify message", c.cfg.PageID+"/conversations", q, &l); err != nil {
			return "", false, err
		}
		for _, conv := range l.Data {
			if conv.Messages == nil {
				continue
			}
			for _, m := range conv.Messages.Data {
				if c.isOurs(m.From.ID, m.Message, m.CreatedTime.Time, text, since) {
					return m.ID, true, nil
				}
			}
		}
		return "", false, nil
	}
	const op = "verify comment reply"
	rel := replyTarget(it) + "/replies?" + url.Values{"fields": {commentFields}, "limit": {"50"}}.Encode()
	for range verifyPages {
		var l metagraph.List[comment]
		if err := c.client.Get(ctx, op, rel, nil, &l); err != nil {
			return "", false, err
		}
		for _, cm := range l.Data {
			if c.isOurs(cm.From.ID, cm.Text, cm.Timestamp.Time, text, since) {
				return cm.ID, true, nil
			}
		}
		if l.Paging.Next == "" {
			return "", false, nil
		}
		var err error
		if rel, err = metagraph.RelativeURL(c.client.Base(), l.Paging.Next); err != nil {
			return "", false, c.client.Malformed(op, err)
		}
	}
	return "", false, nil
}

func (c *Connector) isOurs(fromID, msg string, at time.Time, text string, since time.Time) bool {
	return fromID == c.cfg.IGUserID && strings.TrimSpace(msg) == text && !at.Before(since)
}

// RequiredPermissions are the permissions the Page token needs for
// Instagram (Instagram API with Facebook Login).
var RequiredPermissions = []string{
	"instagram_basic", "instagram_manage_comments", "instagram_manage_messages", "pages_show_list", "pages_read_engagement",
}

// Probe checks, read-only, that the token works, that the configured
// Instagram account is the one linked to the Page, and that the token
// carries the permissions inboxd needs.
func (c *Connector) Probe(ctx context.Context) (connectors.Report, error) {
	rep := connectors.Report{Account: c.cfg.Name, Platform: string(Channel)}
	var page struct {
		ID                       string `json:"id"`
		Name                     string `json:"name"`
		InstagramBusinessAccount *struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"instagram_business_account"`
	}
	q := url.Values{"fields": {"id,name,instagram_business_account{id,username}"}}
	if err := c.client.Get(ctx, "probe", c.cfg.PageID, q, &page); err != nil {
		return c.probeFailed(rep, err)
	}
	switch iba := page.InstagramBusinessAccount; {
	case iba == nil || iba.ID == "":
		rep.Problems = append(rep.Problems, fmt.Sprintf(
			"The Page %q (id %s) has no Instagram professional account linked: link it in the Page's settings (Linked accounts → Instagram), then run the probe again.",
			page.Name, c.cfg.PageID))
	case iba.ID != c.cfg.IGUserID:
		rep.AccountID, rep.AccountName = iba.ID, iba.Username
		rep.Problems = append(rep.Problems, fmt.Sprintf(
			"The Page is linked to the Instagram account @%s (id %s), not to the configured ig_user_id %s: correct ig_user_id.",
			iba.Username, iba.ID, c.cfg.IGUserID))
	default:
		rep.AccountID, rep.AccountName = iba.ID, iba.Username
	}
	var perms metagraph.List[metagraph.Permission]
	if err := c.client.Get(ctx, "probe", "me/permissions", nil, &perms); err != nil {
		return c.probeFailed(rep, err)
	}
	rep.Permissions, rep.Missing = metagraph.CheckPermissions(perms.Data, RequiredPermissions)
	if len(rep.Missing) > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf(
			"The token lacks %s: request them in App Review, grant them when generating the user token, then take a new Page token from /me/accounts.",
			strings.Join(rep.Missing, ", ")))
	}
	return rep, nil
}

// probeFailed turns a refused token into a finding; other failures are
// the probe's own error.
func (c *Connector) probeFailed(rep connectors.Report, err error) (connectors.Report, error) {
	switch connectors.ClassOf(err) {
	case connectors.Auth, connectors.Permission:
		rep.Problems = append(rep.Problems, "Instagram refused the Page token: "+err.Error())
		return rep, nil
	}
	return rep, err
}
