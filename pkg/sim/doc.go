// Package sim simulates the public writing to a regency's official accounts.
//
// Its subpackages are in-process fakes of the platforms' APIs: graphapi (the
// Facebook Graph API) and xapi (the X API). This package holds what drives
// them: a generator of realistic citizen messages in Bahasa Indonesia, used
// by `inboxd demo`, the end-to-end tests and the load runs.
package sim
