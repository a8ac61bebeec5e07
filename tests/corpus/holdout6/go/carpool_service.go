// Package carpool is the rider/driver account service of a commuter carpooling app (net/http, golang-jwt v5,
// PostgreSQL). Attacker data: JSON bodies and query strings from the mobile apps, the Authorization header,
// the Origin header of browser requests, and the payment provider's payout webhooks.
package carpool

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type Service struct {
	DB            *sql.DB
	JWTKey        []byte
	WebhookSecret []byte
}

func NewService(db *sql.DB) *Service {
	key, found := os.LookupEnv("CARPOOL_JWT_KEY")
	if !found {
		key = "8d1f3a9c0b7e46d2a5f1c3e7b9d04a6f" // expect: GO-SECRET-001
	}
	return &Service{DB: db, JWTKey: []byte(key), WebhookSecret: []byte(os.Getenv("PAYOUT_WEBHOOK_SECRET"))} // ok: GO-SECRET-001
}

// WithCORS lets the rider web app call the API from any of our front-ends.
func WithCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", origin) // expect: GO-CORS-001
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		next.ServeHTTP(w, r)
	})
}

type loginBody struct {
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

func legacyDigest(password, salt string) string {
	sum := sha1.Sum([]byte(salt + password)) // expect: GO-HASH-001
	return hex.EncodeToString(sum[:])
}

func (s *Service) Login(w http.ResponseWriter, r *http.Request) {
	var in loginBody
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, "malformed body", http.StatusBadRequest)
		return
	}
	var id int64
	var salt, digest string
	err := s.DB.QueryRow("SELECT id, salt, pw_digest FROM riders WHERE phone = $1", in.Phone).Scan(&id, &salt, &digest)
	if errors.Is(err, sql.ErrNoRows) {
		http.Error(w, "This phone number has no carpool account yet", http.StatusNotFound) // expect: GO-ENUM-001
		return
	}
	if legacyDigest(in.Password, salt) != digest { // expect: GO-TIMING-001
		http.Error(w, "Password does not match this phone number", http.StatusUnauthorized) // expect: GO-ENUM-001
		return
	}
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": id, "exp": time.Now().Add(12 * time.Hour).Unix()})
	signed, _ := token.SignedString(s.JWTKey)
	http.SetCookie(w, &http.Cookie{Name: "carpool_session", Value: signed, Path: "/"}) // expect: GO-COOKIE-001
	http.SetCookie(w, &http.Cookie{Name: "distance_unit", Value: "km", Path: "/", MaxAge: 31536000}) // ok: GO-COOKIE-001
	next := r.URL.Query().Get("continue")
	http.Redirect(w, r, next, http.StatusSeeOther) // expect: GO-REDIRECT-001
}

// AfterSignup sends new drivers to one of the onboarding screens.
func AfterSignup(w http.ResponseWriter, r *http.Request) {
	screens := map[string]string{"vehicle": "/onboarding/vehicle", "licence": "/onboarding/licence"}
	target, ok := screens[r.URL.Query().Get("step")]
	if !ok {
		target = "/onboarding"
	}
	http.Redirect(w, r, target, http.StatusSeeOther) // ok: GO-REDIRECT-001
}

// RiderFromRequest reads the rider id out of the bearer token for the trip endpoints.
func (s *Service) RiderFromRequest(r *http.Request) (string, error) {
	raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil { // expect: GO-JWT-001
		return "", err
	}
	sub, _ := claims["sub"].(string)
	return sub, nil
}

// DriverFromRequest is the checked variant used by the payout endpoints.
func (s *Service) DriverFromRequest(r *http.Request) (*jwt.Token, error) {
	raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	return jwt.Parse(raw, func(t *jwt.Token) (any, error) { return s.JWTKey, nil }, jwt.WithValidMethods([]string{"HS256"})) // ok: GO-JWT-001
}

func (s *Service) TripContact(w http.ResponseWriter, r *http.Request) {
	tripID := r.URL.Query().Get("trip")
	// TODO(security): confirm the caller actually holds a seat on this trip before we hand out the driver's number // expect: GO-TODO-001
	var phone string
	if err := s.DB.QueryRow("SELECT d.phone FROM trips t JOIN drivers d ON d.id = t.driver_id WHERE t.id = $1", tripID).Scan(&phone); err != nil {
		http.Error(w, "trip not found", http.StatusNotFound)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"phone": phone})
}

// PickupCode is the 4-digit code the rider reads out to the driver at pick-up.
func PickupCode() string {
	digits := []byte("0123456789")
	code := make([]byte, 4)
	for i := range code {
		code[i] = digits[rand.Intn(10)] // expect: GO-RAND-001
	}
	return string(code)
}

// PayoutWebhook records settled payouts reported by the payment provider.
func (s *Service) PayoutWebhook(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	mac := hmac.New(sha256.New, s.WebhookSecret)
	mac.Write(body)
	sig, _ := hex.DecodeString(r.Header.Get("X-Payout-Signature"))
	if !hmac.Equal(sig, mac.Sum(nil)) { // ok: GO-TIMING-001
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev struct {
		PayoutID string `json:"payout_id"`
		Status   string `json:"status"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if _, err := s.DB.Exec("UPDATE payouts SET status = $1 WHERE provider_id = $2", ev.Status, ev.PayoutID); err != nil { // ok: GO-SQLI-001
		http.Error(w, err.Error(), http.StatusInternalServerError) // expect: GO-ERRLEAK-001
	}
}
