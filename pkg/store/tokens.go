package store

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// TokenPrefix starts every API token secret, so a leaked one is easy to spot.
const TokenPrefix = "ibx_"

// tokenRecord is the stored form: the token and the SHA-256 of its secret.
type tokenRecord struct {
	Token
	Hash []byte `json:"hash"`
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateToken makes a new token and returns its secret once.
func (s *Store) CreateToken(name string, role inbox.Role, unit string) (secret string, t Token, err error) {
	if err := inbox.CheckTokenName(name); err != nil {
		return "", t, &ValidationError{Field: "name", Message: err.Error()}
	}
	switch {
	case !role.Valid():
		return "", t, &ValidationError{Field: "role", Message: fmt.Sprintf("unknown role %q; one of admin, operator, viewer", role)}
	}
	if unit != "" && strings.TrimSpace(unit) == "" {
		// Trimmed, a blank scope would be no scope: a token of every unit.
		return "", t, &ValidationError{Field: "unit", Message: "is blank; leave it out for a token of every unit"}
	}
	if unit, err = checkName("unit", unit); err != nil {
		return "", t, err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", t, fmt.Errorf("token: random: %w", err)
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	err = s.write(func(w *wctx) error {
		b := w.tx.Bucket(bTokens)
		if b.Get([]byte(name)) != nil {
			return fmt.Errorf("token %q already exists: %w", name, ErrConflict)
		}
		if max := w.s.maxTokens; max > 0 {
			if n := b.Stats().KeyN; n >= max {
				return fmt.Errorf("%d tokens exist, the most allowed (http.max_tokens); revoke unused ones: %w", n, ErrTokenLimit)
			}
		}
		t = Token{Name: name, Role: role, Unit: unit, CreatedAt: w.now}
		rec := tokenRecord{Token: t, Hash: hashSecret(secret)}
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(name), v); err != nil {
			return err
		}
		return w.tx.Bucket(bTokenHash).Put(rec.Hash, []byte(name))
	})
	if err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

func getToken(tx *bolt.Tx, name []byte) (tokenRecord, error) {
	var rec tokenRecord
	v := tx.Bucket(bTokens).Get(name)
	if v == nil {
		return rec, fmt.Errorf("token %q: %w", name, ErrNotFound)
	}
	err := json.Unmarshal(v, &rec)
	return rec, err
}

// LookupToken finds the token for a secret (constant-time on the hash).
func (s *Store) LookupToken(secret string) (Token, error) {
	h := hashSecret(secret)
	var t Token
	err := s.view(func(tx *bolt.Tx) error {
		name := tx.Bucket(bTokenHash).Get(h)
		if name == nil {
			return fmt.Errorf("token: %w", ErrNotFound)
		}
		rec, err := getToken(tx, name)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(rec.Hash, h) != 1 {
			return fmt.Errorf("token: %w", ErrNotFound)
		}
		t = rec.Token
		return nil
	})
	return t, err
}

// Tokens lists tokens by name.
func (s *Store) Tokens() ([]Token, error) {
	out := []Token{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bTokens).ForEach(func(k, v []byte) error {
			var rec tokenRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("token %q: %w", k, err)
			}
			out = append(out, rec.Token)
			return nil
		})
	})
	return out, err
}

// TokensPage lists at most limit tokens by name, starting after the name
// after ("" from the first); next is the last name listed when more follow.
func (s *Store) TokensPage(after string, limit int) (tokens []Token, next string, err error) {
	tokens = []Token{}
	err = s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bTokens).Cursor()
		k, v := c.First()
		if after != "" {
			if k, v = c.Seek([]byte(after)); k != nil && string(k) == after {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			if len(tokens) == limit {
				next = tokens[len(tokens)-1].Name
				return nil
			}
			var rec tokenRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("token %q: %w", k, err)
			}
			tokens = append(tokens, rec.Token)
		}
		return nil
	})
	return tokens, next, err
}

// RevokeToken deletes a token by name.
func (s *Store) RevokeToken(name string) error {
	return s.write(func(w *wctx) error {
		rec, err := getToken(w.tx, []byte(name))
		if err != nil {
			return err
		}
		if err := w.tx.Bucket(bTokenHash).Delete(rec.Hash); err != nil {
			return err
		}
		return w.tx.Bucket(bTokens).Delete([]byte(name))
	})
}

// TouchTokens records last-used times in one transaction (batched by the
// API); unknown names (revoked meanwhile) are skipped, older times ignored.
func (s *Store) TouchTokens(used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	return s.write(func(w *wctx) error {
		b := w.tx.Bucket(bTokens)
		for name, at := range used {
			rec, err := getToken(w.tx, []byte(name))
			if err != nil {
				continue
			}
			at = at.UTC()
			if rec.LastUsedAt != nil && !at.After(*rec.LastUsedAt) {
				continue
			}
			rec.LastUsedAt = &at
			v, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(name), v); err != nil {
				return err
			}
		}
		return nil
	})
}
