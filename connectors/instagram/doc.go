// Package instagram connects an Instagram professional account (Business
// or Creator) that is linked to the office's Facebook Page, through the
// Graph API at graph.facebook.com with the Page access token: Meta's
// "Instagram API with Facebook Login". It shares the Graph transport,
// appsecret_proof, usage headers, error classes, paging, time parsing and
// the newest-first cursor rule with connectors/facebook through
// connectors/metagraph, and owns only Instagram's behaviour.
//
// # In (polled)
//
//   - comments: the comments and replies on the account's media,
//     GET /{ig-user-id}/media?fields=id,timestamp,permalink,comments{...}
//     and GET /{ig-media-id}/comments, /{ig-comment-id}/replies
//     (fields id, text, timestamp, from{id,username}, username, parent_id).
//     Media are listed newest first by their own timestamp, not by their
//     last comment, so each walk lists the media posted within
//     media_max_age (default 30 days) and reads each one's comments newest
//     first down to the watermark: the same newest-first cursor rule as
//     Facebook comments (metagraph.Source). Comments on older media wait
//     for webhooks.
//   - messages: DMs through the Conversations API with platform=instagram,
//     GET /{page-id}/conversations?platform=instagram&fields=id,updated_time,messages{id,message,from,to,created_time}.
//
// Mentions of the account in other people's media can only be read from
// the id a mentions webhook carries (GET /{ig-user-id}?fields=mentioned_media.media_id(...)),
// so they wait for webhooks (a later issue).
//
// # Out
//
//   - a reply to a comment: POST /{ig-comment-id}/replies?message=...
//     (only top-level comments take replies; a reply to a reply is posted
//     under its top-level comment, as Instagram files it there anyway);
//   - a private reply to a comment: POST /{page-id}/messages with
//     recipient.comment_id, once per comment and within 7 days of it;
//   - a DM: POST /{page-id}/messages with recipient.id (the
//     Instagram-scoped id), within 24 hours of the citizen's last message,
//     or up to 7 days with the HUMAN_AGENT tag when the app has Meta's
//     Human Agent permission (human_agent: true).
//
// # Text rules
//
// A comment reply is at most 2,200 characters, with at most 4 hashtags and
// at most 1 URL, and not all in capitals (the Instagram API's comment
// rules); a DM or private reply is at most 1,000 bytes of UTF-8 (Instagram
// Messaging's text limit). inboxd refuses longer or rule-breaking text
// before it is queued (inbox.TextLimit.Rules).
//
// # Permissions (App Review)
//
// instagram_basic, instagram_manage_comments, instagram_manage_messages,
// pages_show_list, pages_read_engagement; Probe checks them and that the
// Page's instagram_business_account is the configured ig_user_id.
//
// # Sources
//
//   - https://developers.facebook.com/docs/instagram-platform/comment-moderation
//     (endpoints, Page token and permissions for Facebook Login)
//   - https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies
//     (POST /{ig-comment-id}/replies; only top-level comments; sample response {"id": ...})
//   - https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments
//   - https://developers.facebook.com/docs/graph-api/changelog/ooc-changes/oct-20-2021 (from{id,username} and parent_id on IG Comments)
//   - https://developers.facebook.com/docs/messenger-platform/instagram/features/private-replies/
//     (one private reply per comment, within 7 days, POST /PAGE-ID/messages with recipient.comment_id)
//   - https://developers.facebook.com/docs/messenger-platform/conversations (platform=instagram; instagram_basic,
//     instagram_manage_messages, pages_manage_metadata)
//   - https://developers.facebook.com/documentation/business-messaging/instagram-messaging/features/send-message
//     (POST /PAGE-ID/messages, Page token, instagram_manage_messages; text under 1,000 bytes)
//   - the Instagram API's comment endpoint rules: at most 300 characters in
//     the legacy API (inboxd uses today's 2,200-character text cap), at most
//     4 hashtags, at most 1 URL, not all capital letters
//     (https://www.hitchhq.com/instagram/activities/comment-endpoints-5759815a8e2e411000b8e5b8, a copy of Instagram's page)
//   - https://developers.facebook.com/docs/messenger-platform/send-api-reference/errors (error codes; Instagram's
//     out-of-window subcode 2534022 is classified with Messenger's in metagraph)
//
// A token never appears in a URL, a stored cursor or a log line: the
// client sends it in the Authorization header and strips access_token from
// Graph's paging links.
package instagram
