// Package integrations delivers outgoing webhooks and verifies the incoming ones from partners.
package integrations

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"time"
)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

const partnerSigningSecret = "9fK2mQ7xLp4Vb8Nc1RtZ6kYw3JhD5sGa" // expect: GO-SECRET-001

type Subscription struct {
	ID        int64  `json:"id"`
	TargetURL string `json:"target_url"`
}

type Service struct {
	client   *http.Client
	internal *http.Client
}

func New(caPath string) (*Service, error) {
	pem, err := os.ReadFile(caPath)
	if err != nil {
		return nil, fmt.Errorf("read CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	customer := &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // expect: GO-TLS-001
	}
	internal := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, // ok: GO-TLS-001
	}
	return &Service{
		client:   &http.Client{Transport: customer, Timeout: 10 * time.Second},
		internal: &http.Client{Transport: internal, Timeout: 5 * time.Second},
	}, nil
}

// backoff adds jitter so retries from many workers do not line up.
func backoff(attempt int) time.Duration {
	base := time.Duration(1<<attempt) * time.Second
	return base + time.Duration(rand.Int63n(int64(time.Second))) // ok: GO-RAND-001
}

// Deliver posts one event to a subscriber, retrying server errors.
func (s *Service) Deliver(ctx context.Context, sub Subscription, payload []byte) error {
	for attempt := 0; attempt < 4; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.TargetURL, bytes.NewReader(payload)) // expect: GO-SSRF-001
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.client.Do(req)
		if err == nil && resp.StatusCode < 500 {
			resp.Body.Close()
			return nil
		}
		if resp != nil {
			resp.Body.Close()
		}
		time.Sleep(backoff(attempt))
	}
	return fmt.Errorf("subscription %d: delivery failed", sub.ID)
}

// TestEndpoint lets a customer check that their endpoint answers before subscribing.
func (s *Service) TestEndpoint(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("url")
	resp, err := s.client.Get(target) // expect: GO-SSRF-001
	if err != nil {
		http.Error(w, "endpoint unreachable: "+err.Error(), http.StatusBadGateway) // expect: GO-ERRLEAK-001
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(body)
}

func (s *Service) LookupRate(w http.ResponseWriter, r *http.Request) {
	currency := r.URL.Query().Get("currency")
	if !currencyCode.MatchString(currency) {
		http.Error(w, "unknown currency", http.StatusBadRequest)
		return
	}
	endpoint := "https://pricing.internal.example/v2/rates/" + url.PathEscape(currency)
	resp, err := s.internal.Get(endpoint) // ok: GO-SSRF-001
	if err != nil {
		log.Printf("pricing lookup failed: %v", err)
		http.Error(w, "pricing unavailable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	io.Copy(w, io.LimitReader(resp.Body, 1<<20))
}

type partnerEvent struct {
	Type    string `json:"type"`
	Account string `json:"account"`
}

func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func (s *Service) ReceivePartner(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if r.Header.Get("X-Partner-Signature") != sign([]byte(partnerSigningSecret), body) { // expect: GO-TIMING-001
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev partnerEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	log.Printf("partner event %s for account %s", ev.Type, ev.Account) // expect: GO-LOG-001
	w.WriteHeader(http.StatusNoContent)
}

// ReceiveBilling handles the billing provider's callbacks; its secret comes from the environment.
func (s *Service) ReceiveBilling(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	secret := os.Getenv("BILLING_WEBHOOK_SECRET")
	if secret == "" || !hmac.Equal([]byte(r.Header.Get("X-Billing-Signature")), []byte(sign([]byte(secret), body))) { // ok: GO-TIMING-001
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	log.Printf("billing event received: %q", r.Header.Get("X-Billing-Event")) // ok: GO-LOG-001
	w.WriteHeader(http.StatusNoContent)
}
