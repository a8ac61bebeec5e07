// Package auth is the login service of the billing portal (gin), reviewed for the security checklist.
package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

var (
	signingKey = []byte(os.Getenv("JWT_SIGNING_KEY"))
	serviceKey = os.Getenv("SERVICE_API_KEY")
)

const passwordMinLength = 12

type Account struct {
	ID           uint
	Email        string
	PasswordHash string
}

type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type Service struct {
	DB     *gorm.DB
	Logger *slog.Logger
}

func (s *Service) Login(c *gin.Context) {
	var in Credentials
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid request"})
		return
	}
	var acct Account
	err := s.DB.Where("email = ?", in.Email).First(&acct).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		s.Logger.Error("account lookup failed", "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"}) // ok: GO-ERRLEAK-001
		return
	}
	if err != nil || bcrypt.CompareHashAndPassword([]byte(acct.PasswordHash), []byte(in.Password)) != nil {
		s.Logger.Info("login failed", "email", in.Email)
		c.JSON(http.StatusUnauthorized, gin.H{"error": "invalid email or password"}) // ok: GO-ENUM-001
		return
	}
	token, err := issueToken(acct.ID)
	if err != nil {
		s.Logger.Error("signing failed", "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	c.SetSameSite(http.SameSiteStrictMode)
	c.SetCookie("session", token, 3600, "/", "", true, true) // ok: GO-COOKIE-001
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Service) Register(c *gin.Context) {
	var in Credentials
	if err := c.ShouldBindJSON(&in); err != nil || len(in.Password) < passwordMinLength {
		c.JSON(http.StatusBadRequest, gin.H{"error": "password must be at least 12 characters"})
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost) // ok: GO-HASH-001
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	if err := s.DB.Create(&Account{Email: in.Email, PasswordHash: string(hash)}).Error; err != nil {
		s.Logger.Error("create account", "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "could not create account"})
		return
	}
	c.Status(http.StatusCreated)
}

func issueToken(id uint) (string, error) {
	claims := jwt.RegisteredClaims{Subject: fmt.Sprint(id), ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(signingKey)
}

func RequireToken() gin.HandlerFunc {
	return func(c *gin.Context) {
		raw := strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer ")
		token, err := jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) { // ok: GO-JWT-001
			if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
				return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
			}
			return signingKey, nil
		})
		if err != nil || !token.Valid {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"})
			return
		}
		c.Next()
	}
}

func RequireServiceKey() gin.HandlerFunc {
	return func(c *gin.Context) {
		got := c.GetHeader("X-Service-Key")
		if subtle.ConstantTimeCompare([]byte(got), []byte(serviceKey)) != 1 { // ok: GO-TIMING-001
			c.AbortWithStatus(http.StatusForbidden)
			return
		}
		c.Next()
	}
}

func (s *Service) Continue(c *gin.Context) {
	next := c.Query("next")
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") {
		next = "/dashboard"
	}
	c.Redirect(http.StatusFound, next) // ok: GO-REDIRECT-001
}

func (s *Service) Search(c *gin.Context) {
	q := c.Query("q")
	s.Logger.Info("search", "query", q) // ok: GO-LOG-001
	if len(q) > 100 {
		c.JSON(http.StatusBadRequest, gin.H{"error": "query too long"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"results": []string{}})
}
