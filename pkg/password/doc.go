// Package password holds the rules for people's passwords and their
// argon2id hashing. It does no I/O: callers hash outside any store
// transaction and hand the store the encoded hash.
//
// The parameters (DefaultParams) and the concurrency bound are stated in
// docs/USERS.md; change them together with that file.
package password
