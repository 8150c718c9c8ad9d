package xapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// authenticate checks the request's credentials: a live OAuth 2.0 access
// token, or an OAuth 1.0a signature that verifies. It reports whether the
// request may proceed and whether it used OAuth 1.0a.
func (s *Server) authenticate(r *http.Request) (ok, oauth1 bool) {
	h := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(h, "Bearer "):
		tok := strings.TrimPrefix(h, "Bearer ")
		s.mu.Lock()
		exp, live := s.accessTokens[tok]
		s.mu.Unlock()
		return live && s.now().Before(exp), false
	case strings.HasPrefix(h, "OAuth "):
		return s.verifyOAuth1(r, h) == nil, true
	}
	return false, false
}

// verifyOAuth1 rebuilds the RFC 5849 signature base string from the request
// (method, scheme://host/path, query, form body and oauth_* parameters) and
// compares the HMAC-SHA1 signature with the one the client sent.
func (s *Server) verifyOAuth1(r *http.Request, header string) error {
	if s.opts.ConsumerKey == "" {
		return fmt.Errorf("oauth1 not configured")
	}
	oauthParams := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(header, "OAuth "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("bad oauth parameter %q", part)
		}
		k, err1 := url.PathUnescape(k)
		v, err2 := url.PathUnescape(strings.Trim(v, `"`))
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bad oauth encoding")
		}
		oauthParams[k] = v
	}
	if oauthParams["oauth_consumer_key"] != s.opts.ConsumerKey || oauthParams["oauth_token"] != s.opts.AccessToken {
		return fmt.Errorf("unknown consumer or token")
	}
	if oauthParams["oauth_signature_method"] != "HMAC-SHA1" {
		return fmt.Errorf("unsupported signature method")
	}
	sig := oauthParams["oauth_signature"]
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return err
		}
		for k, v := range form {
			params[k] = v[0]
		}
	}
	for k, v := range oauthParams {
		if k != "oauth_signature" && k != "realm" {
			params[k] = v
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	if h, port, ok := strings.Cut(host, ":"); ok && (port == "80" || port == "443") {
		host = h
	}
	keys := make([]string, 0, len(params))
	enc := map[string]string{}
	for k, v := range params {
		ek := percentEncode(k)
		keys = append(keys, ek)
		enc[ek] = percentEncode(v)
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = k + "=" + enc[k]
	}
	base := strings.ToUpper(r.Method) + "&" + percentEncode(scheme+"://"+host+r.URL.EscapedPath()) + "&" + percentEncode(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(percentEncode(s.opts.ConsumerSecret)+"&"+percentEncode(s.opts.AccessSecret)))
	mac.Write([]byte(base))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 {
		return fmt.Errorf("signature mismatch")
	}
	return nil
}

// percentEncode is RFC 3986 encoding as OAuth 1.0a requires: everything but
// unreserved characters is %XX-escaped.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// serveToken is the OAuth 2.0 token endpoint, refresh_token grant only:
// it issues a new access token (AccessTokenTTL) and a new refresh token,
// and the refresh token it was given stops working.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "error_description": "Malformed request."})
		return
	}
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID = r.PostForm.Get("client_id")
	}
	if clientID != s.opts.ClientID || (s.opts.ClientSecret != "" && (!basic || secret != s.opts.ClientSecret)) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized_client", "error_description": "Missing valid authorization header"})
		return
	}
	if r.PostForm.Get("grant_type") != "refresh_token" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "error_description": "Value passed for the grant type was invalid."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := r.PostForm.Get("refresh_token")
	if rt == "" || rt != s.refreshToken {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
		return
	}
	s.tokenSeq++
	access := fmt.Sprintf("sim-access-%d-%d", s.tokenSeq, s.now().UnixNano())
	s.retiredRefresh[s.refreshToken] = true
	s.refreshToken = fmt.Sprintf("sim-refresh-%d-%d", s.tokenSeq, s.now().UnixNano())
	s.accessTokens[access] = s.now().Add(s.opts.AccessTokenTTL)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":    "bearer",
		"expires_in":    int(s.opts.AccessTokenTTL.Seconds()),
		"access_token":  access,
		"scope":         "tweet.read tweet.write users.read dm.read dm.write offline.access",
		"refresh_token": s.refreshToken,
	})
}
