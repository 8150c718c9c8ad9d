package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// AccountState returns an account's pipeline state (ErrNotFound if none yet).
func (s *Store) AccountState(name string) (AccountState, error) {
	var st AccountState
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bAccounts).Get([]byte(name))
		if v == nil {
			return fmt.Errorf("account %q: %w", name, ErrNotFound)
		}
		return json.Unmarshal(v, &st)
	})
	return st, err
}

// AccountStates returns every stored account state by name.
func (s *Store) AccountStates() ([]AccountState, error) {
	out := []AccountState{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bAccounts).ForEach(func(k, v []byte) error {
			var st AccountState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("account %q: %w", k, err)
			}
			out = append(out, st)
			return nil
		})
	})
	return out, err
}

// PutAccountState stores an account's pipeline state.
func (s *Store) PutAccountState(st AccountState) error {
	if st.Name == "" {
		return &ValidationError{Field: "name", Message: "must not be empty"}
	}
	v, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("account %q: %w", st.Name, err)
	}
	return s.write(func(w *wctx) error {
		return w.tx.Bucket(bAccounts).Put([]byte(st.Name), v)
	})
}

func accountKVKey(account, key string) ([]byte, error) {
	if account == "" || key == "" || !validText(account) {
		return nil, &ValidationError{Field: "key", Message: "account and key must be set and free of control characters"}
	}
	return prefix(account, key), nil
}

// AccountValue reads a small per-account value (e.g. rotated OAuth tokens);
// ErrNotFound when unset.
func (s *Store) AccountValue(account, key string) ([]byte, error) {
	k, err := accountKVKey(account, key)
	if err != nil {
		return nil, err
	}
	var v []byte
	err = s.view(func(tx *bolt.Tx) error {
		v = clone(tx.Bucket(bAccountKV).Get(k))
		if v == nil {
			return fmt.Errorf("account %q value %q: %w", account, key, ErrNotFound)
		}
		return nil
	})
	return v, err
}

// PutAccountValue writes a small per-account value durably (nil deletes it).
func (s *Store) PutAccountValue(account, key string, value []byte) error {
	k, err := accountKVKey(account, key)
	if err != nil {
		return err
	}
	return s.write(func(w *wctx) error {
		if value == nil {
			return w.tx.Bucket(bAccountKV).Delete(k)
		}
		return w.tx.Bucket(bAccountKV).Put(k, value)
	})
}
