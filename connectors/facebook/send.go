package facebook

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/metagraph"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// Meta's windows for answering in Messenger (metagraph's, shared with Instagram).
const (
	StandardWindow     = metagraph.StandardWindow
	HumanAgentWindow   = metagraph.HumanAgentWindow
	PrivateReplyWindow = metagraph.PrivateReplyWindow
)

// Send posts a reply: a comment under a comment or tagging post, a
// Messenger message, or a private reply to a comment.
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

func (c *Connector) sendComment(ctx context.Context, out connectors.Outgoing) (string, error) {
	op := "send comment reply"
	res, err := c.call(ctx, op, fb.POST, out.Item.ExternalID+"/comments", fb.Params{"message": out.Reply.Text})
	if err != nil {
		return "", err
	}
	var r struct {
		ID string `json:"id"`
	}
	if err := decode(res, &r); err != nil || r.ID == "" {
		// Posted, probably, but we cannot tell its id: verify.
		return "", &connectors.Error{Class: connectors.Transient, Op: op, MayHaveReached: true,
			Message: "Facebook accepted the comment but its answer carried no id"}
	}
	return r.ID, nil
}

// messagingType decides how a Messenger answer may travel now, given the
// citizen's last message: RESPONSE inside 24 h, the HUMAN_AGENT tag inside
// 7 days when the app has that permission, otherwise not at all.
func (c *Connector) messagingType(lastInbound time.Time) (mtype, tag string, err error) {
	age := c.now().Sub(lastInbound)
	switch {
	case age < StandardWindow:
		return "RESPONSE", "", nil
	case age < HumanAgentWindow && c.cfg.HumanAgent:
		return "MESSAGE_TAG", "HUMAN_AGENT", nil
	case age < HumanAgentWindow:
		return "", "", connectors.Errorf(connectors.Permanent, "send message",
			"messaging window closed: the citizen last wrote %s ago and Messenger allows an answer only within 24 hours "+
				"(up to 7 days needs Meta's Human Agent permission and human_agent: true); answer publicly or wait for the citizen to write again",
			age.Truncate(time.Minute))
	default:
		return "", "", connectors.Errorf(connectors.Permanent, "send message",
			"messaging window closed: the citizen last wrote %s ago, more than 7 days; answer publicly or wait for the citizen to write again",
			age.Truncate(time.Minute))
	}
}

func (c *Connector) sendMessage(ctx context.Context, out connectors.Outgoing) (string, error) {
	if out.Item.Author.ID == "" {
		return "", connectors.Errorf(connectors.Permanent, "send message", "the message has no sender id to answer")
	}
	last := out.LastInboundAt
	if last.IsZero() {
		last = out.Item.CreatedAt
	}
	mtype, tag, err := c.messagingType(last)
	if err != nil {
		return "", err
	}
	params := fb.Params{
		"recipient":      map[string]string{"id": out.Item.Author.ID},
		"message":        map[string]string{"text": out.Reply.Text},
		"messaging_type": mtype,
	}
	if tag != "" {
		params["tag"] = tag
	}
	return c.postMessage(ctx, "send message", params)
}

func (c *Connector) sendPrivateReply(ctx context.Context, out connectors.Outgoing) (string, error) {
	if age := c.now().Sub(out.Item.CreatedAt); age >= PrivateReplyWindow {
		return "", connectors.Errorf(connectors.Permanent, "send private reply",
			"the comment is %s old and Meta allows a private reply only within 7 days of it; answer publicly", age.Truncate(time.Minute))
	}
	params := fb.Params{
		"recipient": map[string]string{"comment_id": out.Item.ExternalID},
		"message":   map[string]string{"text": out.Reply.Text},
	}
	return c.postMessage(ctx, "send private reply", params)
}

func (c *Connector) postMessage(ctx context.Context, op string, params fb.Params) (string, error) {
	res, err := c.call(ctx, op, fb.POST, c.cfg.PageID+"/messages", params)
	if err != nil {
		return "", err
	}
	var r struct {
		RecipientID string `json:"recipient_id"`
		MessageID   string `json:"message_id"`
	}
	if err := decode(res, &r); err != nil || r.MessageID == "" {
		return "", &connectors.Error{Class: connectors.Transient, Op: op, MayHaveReached: true,
			Message: "Facebook accepted the message but its answer carried no message_id"}
	}
	return r.MessageID, nil
}

// verifyPages bounds how far back Verify looks on the target.
const verifyPages = 5

// Verify looks for the Page's own reply with the same text on the target,
// created at or after since, and returns its id.
func (c *Connector) Verify(ctx context.Context, out connectors.Outgoing, since time.Time) (string, bool, error) {
	it := out.Item
	since = since.Truncate(time.Second) // Graph times have whole seconds
	text := strings.TrimSpace(out.Reply.Text)
	switch {
	case it.Kind == inbox.KindMessage && it.ThreadID != "":
		return c.verifyMessages(ctx, it.ThreadID+"/messages?fields=id,message,from,created_time&limit=25", since, text)
	case it.Kind == inbox.KindMessage || out.Reply.Private:
		// A private reply lands in the commenter's conversation, which
		// inboxd does not know: find it by the person's id.
		q := url.Values{"platform": {"messenger"}, "user_id": {it.Author.ID}, "fields": {"id,messages.limit(25){id,message,from,created_time}"}}
		res, err := c.call(ctx, "verify private reply", fb.GET, c.cfg.PageID+"/conversations?"+q.Encode(), nil)
		if err != nil {
			return "", false, err
		}
		var l list[conversation]
		if err := decode(res, &l); err != nil {
			return "", false, c.malformed("verify private reply", err)
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
	default:
		targets := []string{it.ExternalID}
		if it.Kind == inbox.KindComment && it.ParentID != "" {
			// Facebook files a reply to a reply under the top-level comment.
			targets = append(targets, it.ParentID)
		}
		for _, target := range targets {
			id, found, err := c.verifyComments(ctx, target+"/comments?filter=stream&order=reverse_chronological&fields=id,from,message,created_time&limit=25", since, text)
			if err != nil || found {
				return id, found, err
			}
		}
		return "", false, nil
	}
}

func (c *Connector) isOurs(fromID, msg string, at time.Time, text string, since time.Time) bool {
	return fromID == c.cfg.PageID && strings.TrimSpace(msg) == text && !at.Before(since)
}

func (c *Connector) verifyComments(ctx context.Context, rel string, since time.Time, text string) (string, bool, error) {
	const op = "verify comment reply"
	for range verifyPages {
		res, err := c.call(ctx, op, fb.GET, rel, nil)
		if err != nil {
			return "", false, err
		}
		var l list[comment]
		if err := decode(res, &l); err != nil {
			return "", false, c.malformed(op, err)
		}
		for _, cm := range l.Data {
			if cm.CreatedTime.Before(since) {
				return "", false, nil
			}
			if c.isOurs(cm.From.ID, cm.Message, cm.CreatedTime.Time, text, since) {
				return cm.ID, true, nil
			}
		}
		if l.Paging.Next == "" {
			return "", false, nil
		}
		if rel, err = c.relativeURL(l.Paging.Next); err != nil {
			return "", false, c.malformed(op, err)
		}
	}
	return "", false, nil
}

func (c *Connector) verifyMessages(ctx context.Context, rel string, since time.Time, text string) (string, bool, error) {
	const op = "verify message"
	for range verifyPages {
		res, err := c.call(ctx, op, fb.GET, rel, nil)
		if err != nil {
			return "", false, err
		}
		var l list[message]
		if err := decode(res, &l); err != nil {
			return "", false, c.malformed(op, err)
		}
		for _, m := range l.Data {
			if m.CreatedTime.Before(since) {
				return "", false, nil
			}
			if c.isOurs(m.From.ID, m.Message, m.CreatedTime.Time, text, since) {
				return m.ID, true, nil
			}
		}
		if l.Paging.Next == "" {
			return "", false, nil
		}
		if rel, err = c.relativeURL(l.Paging.Next); err != nil {
			return "", false, c.malformed(op, err)
		}
	}
	return "", false, nil
}

// RequiredPermissions are the permissions the Page token needs.
var RequiredPermissions = []string{
	"pages_messaging", "pages_read_engagement", "pages_read_user_content",
	"pages_manage_engagement", "pages_manage_metadata", "pages_show_list",
}

// Probe checks, read-only, that the token works, belongs to the configured
// Page and carries the permissions inboxd needs.
func (c *Connector) Probe(ctx context.Context) (connectors.Report, error) {
	rep := connectors.Report{Account: c.cfg.Name, Platform: string(Channel)}
	res, err := c.call(ctx, "probe", fb.GET, "me?fields=id,name", nil)
	if err != nil {
		return c.probeFailed(rep, err)
	}
	var me profile
	if err := decode(res, &me); err != nil {
		return rep, c.malformed("probe", err)
	}
	rep.AccountID, rep.AccountName = me.ID, me.Name
	if me.ID != c.cfg.PageID {
		rep.Problems = append(rep.Problems, fmt.Sprintf(
			"The token belongs to %q (id %s), not to the configured page_id %s: use the Page token that /me/accounts lists for that Page, or correct page_id.",
			me.Name, me.ID, c.cfg.PageID))
	}
	res, err = c.call(ctx, "probe", fb.GET, "me/permissions", nil)
	if err != nil {
		return c.probeFailed(rep, err)
	}
	var perms list[metagraph.Permission]
	if err := decode(res, &perms); err != nil {
		return rep, c.malformed("probe", err)
	}
	rep.Permissions, rep.Missing = metagraph.CheckPermissions(perms.Data, RequiredPermissions)
	if len(rep.Missing) > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf(
			"The token lacks %s: grant them to the Meta app when generating the user token, then take a new Page token from /me/accounts.",
			strings.Join(rep.Missing, ", ")))
	}
	return rep, nil
}

// probeFailed turns a refused token into a finding; other failures
// (network, rate limit) are errors: the probe could not tell.
func (c *Connector) probeFailed(rep connectors.Report, err error) (connectors.Report, error) {
	switch connectors.ClassOf(err) {
	case connectors.Auth, connectors.Permission:
		rep.Problems = append(rep.Problems, "Facebook refused the Page token: "+err.Error())
		return rep, nil
	}
	return rep, err
}
