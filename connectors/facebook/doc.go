// Package facebook connects one Facebook Page to inboxd through Meta's Graph
// API (github.com/huandu/facebook/v2): it polls the Page's Messenger
// conversations, the comments on its posts and the posts that tag it, and
// sends operators' answers back as comment replies, Messenger messages or
// private replies to comments.
//
// # Permissions
//
// The Page access token must carry these permissions:
//
//   - pages_messaging: read conversations, send Messenger replies and private replies
//   - pages_read_engagement: read the Page's feed, posts and comments
//   - pages_read_user_content: read what visitors wrote (comments, tags)
//   - pages_manage_engagement: comment and reply as the Page
//   - pages_manage_metadata: read conversations (Messenger webhooks/metadata)
//   - pages_show_list: find the Page and its token through /me/accounts
//
// With Standard Access, Graph only shows people who have a role on the Meta
// app (admins, developers, testers): citizens' comments and messages stay
// invisible until the app passes App Review and has Advanced Access to the
// permissions above. Replying with the HUMAN_AGENT tag (up to 7 days after
// the citizen's last message) also needs Meta's Human Agent permission;
// enable it in inboxd with human_agent: true only once Meta granted it.
//
// # Security
//
// The token travels only in the Authorization header, never in a URL (the
// Graph paging links that carry one are stripped before use or storage),
// and never appears in a log line or an error. With an app secret
// configured, every call carries appsecret_proof.
//
// # Polling
//
// Graph lists newest first. The cursor keeps, per source, the committed
// watermark (newest created_time fully read), the ids seen at that second,
// and the walk in progress (its target watermark and the remaining page
// links), so equal timestamps neither lose nor duplicate an item, a walk can
// stop at max_pages_per_poll and go on next poll, and a crash mid-walk
// resumes where the last committed page left it. Comments are found through
// the feed ordered by the posts' updated_time, so a comment on an old post
// brings that post back and is not missed. A quiet poll costs one request
// per source.
//
// Graph orders conversations and posts by last update, so a walk that
// spans several listing pages (max_pages_per_poll, or an error that resumes
// next poll) can miss a thread that gets a new entry while it sits on a
// page not read yet: it jumps above the pages already read. Its older
// unread entries may be older than the walk's target, the next watermark.
// The threads a walk visits stay bounded by the watermark (the next walk
// finds the moved thread, as it is newer), but a thread that moved is read
// further down: to the start of the oldest of the last three multi-page
// walks, minus a five-minute margin. That re-reads entries already
// imported (they come nested in the listing, and the store drops them as
// duplicates) only in threads with something new, so a quiet poll stays
// one request and returns nothing, and a walk whose listing took one page
// ends the lag. A thread skipped by four multi-page walks in a row (it
// must get a new entry during each of them while 25 newer threads keep it
// off their first page) can still lose entries older than the oldest walk
// start kept.
package facebook
