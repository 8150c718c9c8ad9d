package metagraph

import "time"

// Permission is one entry of GET /me/permissions.
type Permission struct {
	Permission string `json:"permission"`
	Status     string `json:"status"`
}

// CheckPermissions splits a token's permissions into those granted and
// the required ones that are not.
func CheckPermissions(perms []Permission, required []string) (granted, missing []string) {
	ok := map[string]bool{}
	for _, p := range perms {
		if p.Status == "granted" {
			ok[p.Permission] = true
			granted = append(granted, p.Permission)
		}
	}
	for _, need := range required {
		if !ok[need] {
			missing = append(missing, need)
		}
	}
	return granted, missing
}

// MessageKey is what a conversation walk needs of a message: its id, its
// time and its sender's id.
type MessageKey struct {
	ID     string
	At     time.Time
	FromID string
}

// MessagesPage handles a page of a conversation's messages, newest first:
// it keeps the new ones (the filter's rule), then hands them over oldest
// first, so an answer of the account (own is its id) can name the
// citizen's message it follows. It reports whether the page reached
// messages below the filter's floor (the conversation is read).
func MessagesPage[T any](f ThreadFilter, b *Batch, l List[T], key func(T) MessageKey, own string,
	ours func(m T, lastCitizen string), citizen func(m T, raw []byte)) (reachedOld bool) {
	st := f.Source()
	b.Reject(l.Bad, "message")
	var fresh []int
	for i, m := range l.Data {
		k := key(m)
		if why := Missing("message", k.ID, k.At, "created_time"); why != "" {
			b.RejectRecord(k.ID, why, l.Raw[i])
			continue
		}
		if f.Done(k.At) {
			reachedOld = true
			break
		}
		st.Walk.Saw(k.At, k.ID)
		if f.Keep(k.At, k.ID) {
			fresh = append(fresh, i)
		}
	}
	lastCitizen := ""
	for j := len(fresh) - 1; j >= 0; j-- {
		m := l.Data[fresh[j]]
		if k := key(m); k.FromID == own {
			ours(m, lastCitizen)
		} else {
			lastCitizen = k.ID
			citizen(m, l.Raw[fresh[j]])
		}
	}
	return reachedOld
}
