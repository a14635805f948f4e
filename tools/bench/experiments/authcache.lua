-- authcache.lua: a short-lived cache of successful Basic-auth verifications
-- in front of mod_auth_basic + mod_authn_file, which otherwise verifies a
-- bcrypt hash on every request.
--
-- check_user_id (runs before mod_auth_basic: load mod_lua first): if
--   HMAC-SHA1(secret, "user:password") is cached, unexpired, and the
--   htpasswd file has not changed since, set r.user and skip the bcrypt
--   check; otherwise DECLINE, so mod_auth_basic/mod_authn_file verify as
--   usual.
-- fixups (runs only after authentication AND authorization succeeded):
--   cache the verification that mod_authn_file just made. Failures never
--   reach fixups, so they are never cached.
-- Entries live TTL seconds at most; any change to the htpasswd file (mtime
-- or size) invalidates every entry at once. Authorization (Require group,
-- Require valid-user) still runs on every request with the current files.
-- The secret is 32 random bytes per process, kept in mod_lua's per-process
-- ivm store with the entries; neither passwords nor unkeyed hashes are kept.
require "apache2"

local TTL = 60
local HTPASSWD = "/usr/local/apache2/conf/httpd.htpasswd"

local function tobin(hex)
  return (hex:gsub("..", function(h) return string.char(tonumber(h, 16)) end))
end

local pads = {} -- per VM (thread): secret -> {ipad, opad}
local function hmac(r, secret, msg)
  local p = pads[secret]
  if not p then
    local k = secret .. string.rep("\0", 64 - #secret)
    local i, o = {}, {}
    for n = 1, 64 do
      local b = k:byte(n)
      i[n], o[n] = string.char(b ~ 0x36), string.char(b ~ 0x5c)
    end
    p = { table.concat(i), table.concat(o) }
    pads[secret] = p
  end
  return r:sha1(p[2] .. tobin(r:sha1(p[1] .. msg)))
end

local function secret(r)
  local s = r:ivm_get("authcache.secret")
  if s then return s end
  local f = assert(io.open("/dev/urandom", "rb"))
  s = f:read(32)
  f:close()
  r:ivm_set("authcache.secret", s)
  return s
end

-- credentials: "user:password" from the Authorization header, and the user.
local function credentials(r)
  local h = r.headers_in["Authorization"]
  if not h then return nil end
  local b64 = h:match("^%s*[Bb][Aa][Ss][Ii][Cc]%s+(%S+)%s*$")
  if not b64 then return nil end
  local up = r:base64_decode(b64)
  local user = up and up:match("^([^:]*):")
  if not user or user == "" then return nil end
  return up, user
end

local function fileStamp(r)
  local st = r:stat(HTPASSWD)
  if not st then return nil end
  return string.format("%.0f/%.0f", st.mtime, st.size)
end

function check_user_id(r)
  local up, user = credentials(r)
  if not up then return apache2.DECLINED end
  local v = r:ivm_get("authcache." .. hmac(r, secret(r), up))
  if not v then return apache2.DECLINED end
  local u, exp, stamp = v:match("^(.-)\n(%d+)\n(.*)$")
  if u ~= user or tonumber(exp) < os.time() or stamp ~= fileStamp(r) then
    return apache2.DECLINED
  end
  r.user = user
  r.ap_auth_type = "Basic"
  r.notes["authcache"] = "hit"
  return apache2.OK
end

function fixups(r)
  if r.notes["authcache"] == "hit" or not r.user then return apache2.DECLINED end
  local up, user = credentials(r)
  if not up or user ~= r.user then return apache2.DECLINED end
  local stamp = fileStamp(r)
  if not stamp then return apache2.DECLINED end
  r:ivm_set("authcache." .. hmac(r, secret(r), up), user .. "\n" .. (os.time() + TTL) .. "\n" .. stamp)
  return apache2.DECLINED
end
