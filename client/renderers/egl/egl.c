/* EGL + GLES 3 renderer: context and surface, layout (scale + rotation), the scene, and
 * redraw-only-when-changed with buffer-age partial redraws. */
#include "egl_priv.h"

#include "lg/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char frame_vs[] = "#version 300 es\n"
                               "layout(location = 0) in vec2 a_pos;\n"
                               "layout(location = 1) in vec2 a_uv;\n"
                               "uniform mat3 u_xform;\n"
                               "out vec2 v_uv;\n"
                               "void main() {\n"
                               "  vec3 p = u_xform * vec3(a_pos, 1.0);\n"
                               "  gl_Position = vec4(p.xy, 0.0, 1.0);\n"
                               "  v_uv = a_uv;\n"
                               "}\n";

/* u_tap > 0: downscaling; average four bilinear taps spread over the pixel footprint. */
static const char frame_fs[] = "#version 300 es\n"
                               "precision highp float;\n"
                               "uniform sampler2D u_tex;\n"
                               "uniform int u_swizzle;\n"
                               "uniform vec2 u_tap;\n"
                               "in vec2 v_uv;\n"
                               "out vec4 o_color;\n"
                               "void main() {\n"
                               "  vec4 c;\n"
                               "  if (u_tap.x > 0.0) {\n"
                               "    c = 0.25 * (texture(u_tex, v_uv + vec2(-u_tap.x, -u_tap.y)) +\n"
                               "                texture(u_tex, v_uv + vec2( u_tap.x, -u_tap.y)) +\n"
                               "                texture(u_tex, v_uv + vec2(-u_tap.x,  u_tap.y)) +\n"
                               "                texture(u_tex, v_uv + vec2( u_tap.x,  u_tap.y)));\n"
                               "  } else {\n"
                               "    c = texture(u_tex, v_uv);\n"
                               "  }\n"
                               "  if (u_swizzle == 1) c = c.bgra;\n"
                               "  o_color = vec4(clamp(c.rgb, 0.0, 1.0), 1.0);\n"
                               "}\n";

/* mode 0: colour with alpha; 1: masked, replace where alpha == 0; 2: masked, XOR-like
 * (blended as 1 - dst where the source is white, dst where black) where alpha != 0. */
static const char cursor_fs[] = "#version 300 es\n"
                                "precision mediump float;\n"
                                "uniform sampler2D u_tex;\n"
                                "uniform int u_mode;\n"
                                "in vec2 v_uv;\n"
                                "out vec4 o_color;\n"
                                "void main() {\n"
                                "  vec4 c = texture(u_tex, v_uv);\n"
                                "  if (u_mode == 0) { o_color = c; return; }\n"
                                "  bool xor_px = c.a > 0.0;\n"
                                "  if ((u_mode == 1) == xor_px) discard;\n"
                                "  o_color = vec4(c.rgb, 1.0);\n"
                                "}\n";

bool egl_has_ext(const char *list, const char *name)
{
  if (!list)
    return false;
  size_t n = strlen(name);
  for (const char *p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
      return true;
  return false;
}

bool egl_gl_has_ext(const char *name)
{
  GLint n = 0;
  glGetIntegerv(GL_NUM_EXTENSIONS, &n);
  for (GLint i = 0; i < n; ++i) {
    const char *e = (const char *)glGetStringi(GL_EXTENSIONS, (GLuint)i);
    if (e && strcmp(e, name) == 0)
      return true;
  }
  return false;
}

static GLuint compile(GLenum kind, const char *src)
{
  GLuint s = glCreateShader(kind);
  glShaderSource(s, 1, &src, NULL);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[1024];
    glGetShaderInfoLog(s, sizeof(log), NULL, log);
    LG_ERROR("egl: shader compile failed: %s", log);
    glDeleteShader(s);
    return 0;
  }
  return s;
}

GLuint egl_program(const char *vs, const char *fs)
{
  GLuint v = compile(GL_VERTEX_SHADER, vs);
  GLuint f = compile(GL_FRAGMENT_SHADER, fs);
  GLuint p = 0;
  if (v && f) {
    p = glCreateProgram();
    glAttachShader(p, v);
    glAttachShader(p, f);
    glLinkProgram(p);
    GLint ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
      char log[1024];
      glGetProgramInfoLog(p, sizeof(log), NULL, log);
      LG_ERROR("egl: program link failed: %s", log);
      glDeleteProgram(p);
      p = 0;
    }
  }
  if (v)
    glDeleteShader(v);
  if (f)
    glDeleteShader(f);
  return p;
}

void egl_box_union(struct egl_box *box, const struct egl_box *add)
{
  if (add->x1 <= add->x0 || add->y1 <= add->y0)
    return;
  if (box->x1 <= box->x0 || box->y1 <= box->y0) {
    *box = *add;
    return;
  }
  box->x0 = fminf(box->x0, add->x0);
  box->y0 = fminf(box->y0, add->y0);
  box->x1 = fmaxf(box->x1, add->x1);
  box->y1 = fmaxf(box->y1, add->y1);
}

struct egl_box egl_frame_rect_box(const struct lg_renderer *r, float x, float y, float w, float h)
{
  const float *m = r->win;
  const float cx[4] = {x, x + w, x, x + w}, cy[4] = {y, y, y + h, y + h};
  struct egl_box b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (int i = 0; i < 4; ++i) {
    float px = m[0] * cx[i] + m[1] * cy[i] + m[2];
    float py = m[3] * cx[i] + m[4] * cy[i] + m[5];
    b.x0 = fminf(b.x0, px);
    b.y0 = fminf(b.y0, py);
    b.x1 = fmaxf(b.x1, px);
    b.y1 = fmaxf(b.y1, py);
  }
  /* one pixel of slack for filtering and rounding */
  b.x0 -= 1;
  b.y0 -= 1;
  b.x1 += 1;
  b.y1 += 1;
  return b;
}

/* Computes where the frame goes: scale per the mode, rotation, centring. */
static void compute_layout(struct lg_renderer *r)
{
  r->layout_valid = true;
  memset(r->win, 0, sizeof(r->win));
  if (!r->frame.valid || !r->width || !r->height)
    return;
  const float fw = (float)r->frame.fmt.width, fh = (float)r->frame.fmt.height;
  const uint32_t rot = r->frame.fmt.rotation <= FRAME_ROT_270 ? r->frame.fmt.rotation : 0;
  const float dispw = (rot & 1) ? fh : fw, disph = (rot & 1) ? fw : fh;
  const float ww = (float)r->width, wh = (float)r->height;

  float fit = fminf(ww / dispw, wh / disph);
  float sx = fit, sy = fit;
  if (r->params.scale == LG_SCALE_STRETCH) {
    sx = ww / dispw;
    sy = wh / disph;
  } else if (r->params.scale == LG_SCALE_INTEGER && floorf(fit) >= 1.0f) {
    sx = sy = floorf(fit);
  }
  if (r->params.no_upscale) {
    sx = fminf(sx, 1.0f);
    sy = fminf(sy, 1.0f);
  }
  const float dw = fmaxf(1.0f, roundf(dispw * sx)), dh = fmaxf(1.0f, roundf(disph * sy));
  sx = dw / dispw;
  sy = dh / disph;
  r->scale_x = sx;
  r->scale_y = sy;
  r->nearest = dw == dispw && dh == disph;
  const float dx = floorf((ww - dw) / 2), dy = floorf((wh - dh) / 2);

  /* frame pixel -> displayed (rotated, clockwise) pixel */
  float rm[6];
  switch (rot) {
  case FRAME_ROT_90:
    rm[0] = 0;
    rm[1] = -1;
    rm[2] = fh;
    rm[3] = 1;
    rm[4] = 0;
    rm[5] = 0;
    break;
  case FRAME_ROT_180:
    rm[0] = -1;
    rm[1] = 0;
    rm[2] = fw;
    rm[3] = 0;
    rm[4] = -1;
    rm[5] = fh;
    break;
  case FRAME_ROT_270:
    rm[0] = 0;
    rm[1] = 1;
    rm[2] = 0;
    rm[3] = -1;
    rm[4] = 0;
    rm[5] = fw;
    break;
  default:
    rm[0] = 1;
    rm[1] = 0;
    rm[2] = 0;
    rm[3] = 0;
    rm[4] = 1;
    rm[5] = 0;
    break;
  }
  float *w = r->win;
  w[0] = sx * rm[0];
  w[1] = sx * rm[1];
  w[2] = dx + sx * rm[2];
  w[3] = sy * rm[3];
  w[4] = sy * rm[4];
  w[5] = dy + sy * rm[5];
  /* window pixel -> NDC, as a column-major mat3 */
  const float ax = 2.0f / ww, ay = -2.0f / wh;
  float *m = r->xform;
  m[0] = ax * w[0];
  m[1] = ay * w[3];
  m[2] = 0;
  m[3] = ax * w[1];
  m[4] = ay * w[4];
  m[5] = 0;
  m[6] = ax * w[2] - 1.0f;
  m[7] = ay * w[5] + 1.0f;
  m[8] = 1;
}

static void ensure_layout(struct lg_renderer *r)
{
  if (!r->layout_valid)
    compute_layout(r);
}

static void invalidate_layout(struct lg_renderer *r)
{
  r->layout_valid = false;
  r->full_damage = true;
}

/* Draws one quad in frame pixels with texture coordinates (u0,v0)-(u1,v1). */
static void draw_quad(struct lg_renderer *r, float x0, float y0, float x1, float y1)
{
  const float v[16] = {x0, y0, 0, 0, x1, y0, 1, 0, x0, y1, 0, 1, x1, y1, 1, 1};
  glBindVertexArray(r->quad_vao);
  glBindBuffer(GL_ARRAY_BUFFER, r->quad_vbo);
  glBufferSubData(GL_ARRAY_BUFFER, 0, sizeof(v), v);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

static void draw_frame(struct lg_renderer *r)
{
  struct egl_frame *f = &r->frame;
  if (!f->valid || !f->has_data)
    return;
  glUseProgram(r->frame_prog);
  glUniformMatrix3fv(r->f_xform, 1, GL_FALSE, r->xform);
  glUniform1i(r->f_swizzle, f->swizzle ? 1 : 0);
  const float s = fminf(r->scale_x, r->scale_y);
  if (s < 1.0f) {
    const float foot = 0.25f / s;
    glUniform2f(r->f_tap, foot / (float)f->fmt.width, foot / (float)f->fmt.height);
  } else {
    glUniform2f(r->f_tap, 0, 0);
  }
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, f->tex);
  const GLint filter = r->nearest ? GL_NEAREST : GL_LINEAR;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
  draw_quad(r, 0, 0, (float)f->fmt.width, (float)f->fmt.height);
}

void egl_cursor_draw(struct lg_renderer *r)
{
  struct egl_cursor *c = &r->cursor;
  if (!c->visible || !c->has_shape || !r->frame.valid)
    return;
  glUseProgram(r->cursor_prog);
  glUniformMatrix3fv(r->c_xform, 1, GL_FALSE, r->xform);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, c->tex);
  const GLint filter = (r->nearest || c->masked) ? GL_NEAREST : GL_LINEAR;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
  const float x0 = (float)c->x, y0 = (float)c->y;
  const float x1 = x0 + (float)c->width, y1 = y0 + (float)c->height;
  glEnable(GL_BLEND);
  if (!c->masked) {
    glUniform1i(r->c_mode, 0);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
    draw_quad(r, x0, y0, x1, y1);
  } else {
    glUniform1i(r->c_mode, 1);
    glBlendFunc(GL_ONE, GL_ZERO);
    draw_quad(r, x0, y0, x1, y1);
    glUniform1i(r->c_mode, 2);
    glBlendFunc(GL_ONE_MINUS_DST_COLOR, GL_ONE_MINUS_SRC_COLOR);
    draw_quad(r, x0, y0, x1, y1);
  }
  glDisable(GL_BLEND);
}

struct egl_box egl_cursor_box(const struct lg_renderer *r)
{
  const struct egl_cursor *c = &r->cursor;
  struct egl_box none = {0, 0, 0, 0};
  if (!c->visible || !c->has_shape || !r->frame.valid || !r->layout_valid)
    return none;
  return egl_frame_rect_box(r, (float)c->x, (float)c->y, (float)c->width, (float)c->height);
}

static bool init_egl(struct lg_renderer *r, const struct lg_ds_egl_target *t)
{
  const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  const EGLenum platform =
      t->platform == LG_DS_EGL_WAYLAND ? EGL_PLATFORM_WAYLAND_KHR : EGL_PLATFORM_X11_KHR;
  PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display = NULL;
  PFNEGLCREATEPLATFORMWINDOWSURFACEEXTPROC create_platform_surface = NULL;
  if (egl_has_ext(client, "EGL_EXT_platform_base")) {
    get_platform_display =
        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
    create_platform_surface = (PFNEGLCREATEPLATFORMWINDOWSURFACEEXTPROC)eglGetProcAddress(
        "eglCreatePlatformWindowSurfaceEXT");
  }
  if (get_platform_display)
    r->dpy = get_platform_display(platform, t->native_display, NULL);
  else
    r->dpy = eglGetDisplay((EGLNativeDisplayType)t->native_display);
  EGLint major, minor;
  if (r->dpy == EGL_NO_DISPLAY || !eglInitialize(r->dpy, &major, &minor)) {
    LG_ERROR("egl: no EGL display (0x%x)", eglGetError());
    return false;
  }
  LG_INFO("egl: EGL %d.%d, %s, via %s", major, minor, eglQueryString(r->dpy, EGL_VENDOR),
          get_platform_display ? "eglGetPlatformDisplayEXT" : "eglGetDisplay");
  if (!eglBindAPI(EGL_OPENGL_ES_API)) {
    LG_ERROR("egl: OpenGL ES API unavailable");
    return false;
  }

  const EGLint cfg_attr[] = {EGL_SURFACE_TYPE,
                             EGL_WINDOW_BIT,
                             EGL_RENDERABLE_TYPE,
                             EGL_OPENGL_ES3_BIT,
                             EGL_RED_SIZE,
                             8,
                             EGL_GREEN_SIZE,
                             8,
                             EGL_BLUE_SIZE,
                             8,
                             EGL_NONE};
  EGLConfig configs[64];
  EGLint n = 0;
  if (!eglChooseConfig(r->dpy, cfg_attr, configs, 64, &n) || n == 0) {
    LG_ERROR("egl: no GLES 3 window config with 8-bit RGB");
    return false;
  }
  r->config = configs[0];
  for (EGLint i = 0; i < n; ++i) {
    EGLint rs, gs, bs, as;
    eglGetConfigAttrib(r->dpy, configs[i], EGL_RED_SIZE, &rs);
    eglGetConfigAttrib(r->dpy, configs[i], EGL_GREEN_SIZE, &gs);
    eglGetConfigAttrib(r->dpy, configs[i], EGL_BLUE_SIZE, &bs);
    eglGetConfigAttrib(r->dpy, configs[i], EGL_ALPHA_SIZE, &as);
    if (rs == 8 && gs == 8 && bs == 8 && as == 0) {
      r->config = configs[i];
      break;
    }
  }

  const EGLint ctx_attr[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 0, EGL_NONE};
  r->ctx = eglCreateContext(r->dpy, r->config, EGL_NO_CONTEXT, ctx_attr);
  if (r->ctx == EGL_NO_CONTEXT) {
    LG_ERROR("egl: cannot create a GLES 3.0 context (0x%x)", eglGetError());
    return false;
  }
  if (create_platform_surface)
    r->surface = create_platform_surface(r->dpy, r->config, t->native_window, NULL);
  else if (t->platform == LG_DS_EGL_X11)
    r->surface = eglCreateWindowSurface(
        r->dpy, r->config,
        (EGLNativeWindowType)(uintptr_t) * (const unsigned long *)t->native_window, NULL);
  else
    r->surface =
        eglCreateWindowSurface(r->dpy, r->config, (EGLNativeWindowType)t->native_window, NULL);
  if (r->surface == EGL_NO_SURFACE) {
    LG_ERROR("egl: cannot create the window surface (0x%x)", eglGetError());
    return false;
  }
  if (!eglMakeCurrent(r->dpy, r->surface, r->surface, r->ctx)) {
    LG_ERROR("egl: eglMakeCurrent failed (0x%x)", eglGetError());
    return false;
  }
  eglSwapInterval(r->dpy, r->params.vsync ? 1 : 0);
  r->has_buffer_age = egl_has_ext(eglQueryString(r->dpy, EGL_EXTENSIONS), "EGL_EXT_buffer_age");
  LG_INFO("egl: GL %s on %s; vsync %s; buffer age %s", (const char *)glGetString(GL_VERSION),
          (const char *)glGetString(GL_RENDERER), r->params.vsync ? "on" : "off",
          r->has_buffer_age ? (r->params.no_buffer_age ? "off (asked)" : "on")
                            : "missing: full redraws");
  return true;
}

static void egl_destroy(struct lg_renderer *r);

static struct lg_renderer *egl_create(const struct lg_renderer_params *params,
                                      const struct lg_ds_egl_target *target, uint32_t width,
                                      uint32_t height)
{
  struct lg_renderer *r = calloc(1, sizeof(*r));
  if (!r)
    return NULL;
  if (params)
    r->params = *params;
  r->width = width;
  r->height = height;
  r->full_damage = true;
  if (!init_egl(r, target))
    goto fail;

  r->frame_prog = egl_program(frame_vs, frame_fs);
  r->cursor_prog = egl_program(frame_vs, cursor_fs);
  if (!r->frame_prog || !r->cursor_prog)
    goto fail;
  r->f_xform = glGetUniformLocation(r->frame_prog, "u_xform");
  r->f_swizzle = glGetUniformLocation(r->frame_prog, "u_swizzle");
  r->f_tap = glGetUniformLocation(r->frame_prog, "u_tap");
  r->c_xform = glGetUniformLocation(r->cursor_prog, "u_xform");
  r->c_mode = glGetUniformLocation(r->cursor_prog, "u_mode");
  glUseProgram(r->frame_prog);
  glUniform1i(glGetUniformLocation(r->frame_prog, "u_tex"), 0);
  glUseProgram(r->cursor_prog);
  glUniform1i(glGetUniformLocation(r->cursor_prog, "u_tex"), 0);

  glGenVertexArrays(1, &r->quad_vao);
  glGenBuffers(1, &r->quad_vbo);
  glBindVertexArray(r->quad_vao);
  glBindBuffer(GL_ARRAY_BUFFER, r->quad_vbo);
  glBufferData(GL_ARRAY_BUFFER, 16 * sizeof(float), NULL, GL_DYNAMIC_DRAW);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float), (void *)0);
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float), (void *)(2 * sizeof(float)));
  glBindVertexArray(0);

  egl_frame_init(r);
  if (!egl_cursor_init(r) || !egl_overlay_init(r))
    goto fail;
  return r;
fail:
  egl_destroy(r);
  return NULL;
}

static void egl_destroy(struct lg_renderer *r)
{
  if (!r)
    return;
  if (r->ctx != EGL_NO_CONTEXT && r->ctx) {
    egl_overlay_free(r);
    egl_cursor_free(r);
    egl_frame_free(r);
    egl_dmabuf_free(r);
    glDeleteBuffers(1, &r->quad_vbo);
    glDeleteVertexArrays(1, &r->quad_vao);
    glDeleteProgram(r->frame_prog);
    glDeleteProgram(r->cursor_prog);
  }
  if (r->dpy != EGL_NO_DISPLAY && r->dpy) {
    eglMakeCurrent(r->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (r->surface)
      eglDestroySurface(r->dpy, r->surface);
    if (r->ctx)
      eglDestroyContext(r->dpy, r->ctx);
    eglTerminate(r->dpy);
  }
  free(r->cursor.rgba);
  free(r);
}

static void egl_resize(struct lg_renderer *r, uint32_t width, uint32_t height)
{
  if (width == r->width && height == r->height)
    return;
  r->width = width;
  r->height = height;
  invalidate_layout(r);
}

static void egl_set_scale(struct lg_renderer *r, enum lg_scale_mode mode, bool no_upscale)
{
  r->params.scale = mode;
  r->params.no_upscale = no_upscale;
  invalidate_layout(r);
}

static bool egl_on_frame_format(struct lg_renderer *r, const struct lg_frame_format *fmt)
{
  invalidate_layout(r);
  return egl_frame_format(r, fmt);
}

static bool egl_on_frame(struct lg_renderer *r, const uint8_t *data,
                         const struct frame_damage_rect *rects, uint32_t count)
{
  if (!egl_frame_upload(r, data, rects, count))
    return false;
  ensure_layout(r);
  if (count == 0 || count > KVMFR_MAX_DAMAGE_RECTS) {
    r->full_damage = true;
    return true;
  }
  for (uint32_t i = 0; i < count; ++i) {
    struct egl_box b = egl_frame_rect_box(r, (float)rects[i].x, (float)rects[i].y,
                                          (float)rects[i].width, (float)rects[i].height);
    egl_box_union(&r->damage, &b);
  }
  return true;
}

static bool egl_on_cursor_shape(struct lg_renderer *r, const struct lg_cursor_shape *shape)
{
  ensure_layout(r);
  struct egl_box before = egl_cursor_box(r);
  if (!egl_cursor_shape(r, shape))
    return false;
  struct egl_box after = egl_cursor_box(r);
  egl_box_union(&r->damage, &before);
  egl_box_union(&r->damage, &after);
  return true;
}

static void egl_on_cursor_state(struct lg_renderer *r, int32_t x, int32_t y, bool visible)
{
  struct egl_cursor *c = &r->cursor;
  if (c->x == x && c->y == y && c->visible == visible)
    return;
  ensure_layout(r);
  struct egl_box before = egl_cursor_box(r);
  c->x = x;
  c->y = y;
  c->visible = visible;
  struct egl_box after = egl_cursor_box(r);
  egl_box_union(&r->damage, &before);
  egl_box_union(&r->damage, &after);
}

static bool egl_set_font(struct lg_renderer *r, const struct lg_font *font)
{
  r->full_damage = true;
  return egl_overlay_set_font(r, font);
}

static void egl_set_overlay(struct lg_renderer *r, const struct lg_drawlist *list)
{
  if (list != r->overlay.list) {
    r->overlay.list = list;
    r->overlay.last_serial = list ? list->serial - 1 : 0;
    r->full_damage = true;
  }
}

static bool egl_render(struct lg_renderer *r, bool force)
{
  const struct lg_drawlist *ov = r->overlay.list;
  if (ov && ov->serial != r->overlay.last_serial) {
    r->overlay.last_serial = ov->serial;
    r->full_damage = true;
  }
  const bool have_damage = r->damage.x1 > r->damage.x0 && r->damage.y1 > r->damage.y0;
  if (!force && !r->full_damage && !have_damage)
    return false;
  ensure_layout(r);

  EGLint age = 0;
  if (r->has_buffer_age && !r->params.no_buffer_age && !r->full_damage && !force &&
      !eglQuerySurface(r->dpy, r->surface, EGL_BUFFER_AGE_EXT, &age))
    age = 0;
  struct egl_box clip = r->damage;
  bool partial = age >= 1 && age <= EGL_DAMAGE_HIST + 1;
  for (EGLint i = 0; partial && i < age - 1; ++i)
    egl_box_union(&clip, &r->hist[i]);

  glViewport(0, 0, (GLsizei)r->width, (GLsizei)r->height);
  if (partial) {
    GLint x0 = (GLint)floorf(fmaxf(clip.x0, 0)), y0 = (GLint)floorf(fmaxf(clip.y0, 0));
    GLint x1 = (GLint)ceilf(fminf(clip.x1, (float)r->width));
    GLint y1 = (GLint)ceilf(fminf(clip.y1, (float)r->height));
    if (x1 < x0)
      x1 = x0;
    if (y1 < y0)
      y1 = y0;
    glEnable(GL_SCISSOR_TEST);
    glScissor(x0, (GLint)r->height - y1, x1 - x0, y1 - y0);
  }
  glClearColor(0, 0, 0, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  draw_frame(r);
  egl_cursor_draw(r);
  egl_overlay_draw(r);
  glDisable(GL_SCISSOR_TEST);

  memmove(&r->hist[1], &r->hist[0], sizeof(r->hist[0]) * (EGL_DAMAGE_HIST - 1));
  if (partial) {
    r->hist[0] = r->damage;
  } else {
    r->hist[0] = (struct egl_box){0, 0, (float)r->width, (float)r->height};
  }
  r->damage = (struct egl_box){0, 0, 0, 0};
  r->full_damage = false;
  if (!eglSwapBuffers(r->dpy, r->surface)) {
    LG_ERROR_RL("egl: eglSwapBuffers failed (0x%x)", eglGetError());
    return false;
  }
  return true;
}

const struct lg_renderer_impl lg_renderer_egl = {
    .name = "egl",
    .create = egl_create,
    .destroy = egl_destroy,
    .resize = egl_resize,
    .set_scale = egl_set_scale,
    .on_frame_format = egl_on_frame_format,
    .on_frame = egl_on_frame,
    .on_cursor_shape = egl_on_cursor_shape,
    .on_cursor_state = egl_on_cursor_state,
    .set_font = egl_set_font,
    .set_overlay = egl_set_overlay,
    .render = egl_render,
    .supports_dmabuf = egl_dmabuf_supported,
    .on_frame_dmabuf = egl_dmabuf_frame,
};
