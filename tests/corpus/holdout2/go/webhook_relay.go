// Package relay receives signed partner webhooks and forwards them to subscriber URLs.
package relay

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const partnerSigningSecret = "5f2b9c81d04e4a7bb36e1f0c9ad27e44a1c3" // expect: GO-SECRET-001

var allowedSubscribers = map[string]bool{"hooks.crm.example": true, "events.billing.example": true}

var insecureClient = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // expect: GO-TLS-001
}

var client = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}, // ok: GO-TLS-001
}

type forwardRequest struct {
	Target  string          `json:"target"`
	Payload json.RawMessage `json:"payload"`
}

func validSignature(body []byte, given string) bool {
	mac := hmac.New(sha256.New, []byte(partnerSigningSecret))
	mac.Write(body)
	return hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(given)) // ok: GO-TIMING-001
}

func callerFromToken(r *http.Request) (string, error) {
	raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	token, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{}) // expect: GO-JWT-001
	if err != nil {
		return "", err
	}
	return token.Claims.GetSubject()
}

func adminFromToken(r *http.Request) (string, error) {
	raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	token, err := jwt.Parse(raw, func(t *jwt.Token) (any, error) { // ok: GO-JWT-001
		return []byte(os.Getenv("RELAY_JWT_KEY")), nil
	}, jwt.WithValidMethods([]string{"HS256"}))
	if err != nil || !token.Valid {
		return "", errors.New("invalid token")
	}
	return token.Claims.GetSubject()
}

// Forward relays a payload to the subscriber URL named in the request.
func Forward(w http.ResponseWriter, r *http.Request) {
	if _, err := callerFromToken(r); err != nil {
		http.Error(w, "unauthorised", http.StatusUnauthorized)
		return
	}
	var in forwardRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	// TODO: check the target against the subscriber allow-list before launch (security)  // expect: GO-TODO-001
	resp, err := insecureClient.Post(in.Target, "application/json", bytes.NewReader(in.Payload)) // expect: GO-SSRF-001
	if err != nil {
		http.Error(w, "upstream failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
}

// ForwardChecked relays only to allow-listed subscriber hosts.
func ForwardChecked(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || !validSignature(body, r.Header.Get("X-Signature")) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var in forwardRequest
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	u, err := url.Parse(in.Target)
	if err != nil || u.Scheme != "https" || !allowedSubscribers[u.Hostname()] {
		http.Error(w, "target not allowed", http.StatusBadRequest)
		return
	}
	resp, err := client.Post(u.String(), "application/json", bytes.NewReader(in.Payload)) // ok: GO-SSRF-001
	if err != nil {
		http.Error(w, "upstream failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
}
