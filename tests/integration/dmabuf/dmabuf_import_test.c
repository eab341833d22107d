/* DMA-BUF import through the EGL renderer's own code (egl_dmabuf.c) on a surfaceless EGL
 * display: a memfd "region" holds a BGRA frame (R = x, G = y, B = x ^ y, all mod 256) at a
 * page-aligned offset with a padded pitch. The renderer op imports it onto the frame
 * texture; a shader copies the texture texel by texel into an FBO and every pixel read back
 * must equal the pattern. Also checked: the image is reused for the same buffer, RGBA
 * frames (another DRM format) drop the old images, and a failed import turns the frame
 * texture back into a plain one that the copy path can fill.
 * Needs an EGL with EGL_EXT_image_dma_buf_import and EGL_MESA_platform_surfaceless
 * (run_dmabuf_test.sh provides Mesa 25's llvmpipe). */
#include "egl_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define W 300u
#define H 200u
#define PITCH 1280u /* 1200 bytes of pixels + padding */
#define DATA_OFF (5u * 4096u)
#define REGION_SIZE (DATA_OFF + 64u * 4096u)

static int failures;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                         \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

static void fill(uint8_t *data, uint32_t type)
{
  for (uint32_t y = 0; y < H; ++y) {
    uint8_t *row = data + (size_t)y * PITCH;
    for (uint32_t x = 0; x < W; ++x) {
      uint8_t r = (uint8_t)(x & 255u), g = (uint8_t)(y & 255u), b = (uint8_t)((x ^ y) & 255u);
      uint8_t *p = row + (size_t)x * 4u;
      if (type == FRAME_TYPE_BGRA) {
        p[0] = b, p[1] = g, p[2] = r;
      } else {
        p[0] = r, p[1] = g, p[2] = b;
      }
      p[3] = 255;
    }
    memset(row + W * 4u, 0xEE, PITCH - W * 4u); /* padding must never show */
  }
}

static const char *vs =
    "#version 300 es\n"
    "const vec2 p[3] = vec2[3](vec2(-1.0,-1.0), vec2(3.0,-1.0), vec2(-1.0,3.0));\n"
    "void main() { gl_Position = vec4(p[gl_VertexID], 0.0, 1.0); }\n";
static const char *fs = "#version 300 es\n"
                        "precision highp float;\n"
                        "uniform sampler2D u_tex;\n"
                        "out vec4 o;\n"
                        "void main() { o = texelFetch(u_tex, ivec2(gl_FragCoord.xy), 0); }\n";

/* Draws `tex` 1:1 into the FBO and compares every pixel with the pattern; returns the
 * number of wrong pixels. */
static unsigned draw_and_check(GLuint prog, GLuint fbo, GLuint tex, const char *what)
{
  static uint8_t px[W * H * 4u];
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glViewport(0, 0, (GLsizei)W, (GLsizei)H);
  glClearColor(0, 0, 0, 0);
  glClear(GL_COLOR_BUFFER_BIT);
  glUseProgram(prog);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, tex);
  glDrawArrays(GL_TRIANGLES, 0, 3);
  memset(px, 0, sizeof(px));
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, (GLsizei)W, (GLsizei)H, GL_RGBA, GL_UNSIGNED_BYTE, px);
  CHECK(glGetError() == GL_NO_ERROR, "%s: GL error", what);
  unsigned bad = 0;
  for (uint32_t y = 0; y < H; ++y)
    for (uint32_t x = 0; x < W; ++x) {
      const uint8_t *p = px + ((size_t)y * W + x) * 4u;
      if (p[0] != (x & 255u) || p[1] != (y & 255u) || p[2] != ((x ^ y) & 255u) || p[3] != 255) {
        if (bad < 5)
          fprintf(stderr, "%s: pixel (%u,%u) = %u,%u,%u,%u, want %u,%u,%u,255\n", what, x, y, p[0],
                  p[1], p[2], p[3], x & 255u, y & 255u, (x ^ y) & 255u);
        bad++;
      }
    }
  printf("%s: %u of %u pixels wrong\n", what, bad, W * H);
  return bad;
}

static unsigned images_in_use(const struct lg_renderer *r)
{
  unsigned n = 0;
  for (unsigned i = 0; i < EGL_DMABUF_IMAGES; ++i)
    n += r->dmabuf.img[i].image != EGL_NO_IMAGE_KHR;
  return n;
}

static EGLDisplay open_display(void)
{
  const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (!client || !egl_has_ext(client, "EGL_MESA_platform_surfaceless")) {
    fprintf(stderr, "FAIL: EGL has no EGL_MESA_platform_surfaceless (client extensions: %s)\n",
            client ? client : "none");
    return EGL_NO_DISPLAY;
  }
  PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
      (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
  if (!get_display)
    return EGL_NO_DISPLAY;
  return get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
}

int main(void)
{
  EGLDisplay dpy = open_display();
  EGLint major, minor;
  if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, &major, &minor)) {
    fprintf(stderr, "FAIL: no surfaceless EGL display (0x%x)\n", eglGetError());
    return 1;
  }
  printf("EGL %d.%d %s %s\n", major, minor, eglQueryString(dpy, EGL_VENDOR),
         eglQueryString(dpy, EGL_VERSION));
  eglBindAPI(EGL_OPENGL_ES_API);
  const EGLint cfg_attr[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE,
                             EGL_OPENGL_ES3_BIT, EGL_NONE};
  EGLConfig cfg;
  EGLint n = 0;
  if (!eglChooseConfig(dpy, cfg_attr, &cfg, 1, &n) || n < 1) {
    fprintf(stderr, "FAIL: no GLES 3 config\n");
    return 1;
  }
  const EGLint ctx_attr[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE};
  EGLContext ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctx_attr);
  if (ctx == EGL_NO_CONTEXT || !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
    fprintf(stderr, "FAIL: no surfaceless GLES 3 context (0x%x)\n", eglGetError());
    return 1;
  }
  printf("GL: %s\n", (const char *)glGetString(GL_RENDERER));

  /* the probe the renderer uses */
  struct egl_dmabuf_procs procs;
  const char *why = NULL;
  if (!egl_dmabuf_probe(dpy, &procs, &why)) {
    fprintf(stderr, "FAIL: DMA-BUF import unavailable: %s\n", why);
    return 1;
  }

  /* the region: a memfd with the frame's pixels at a page-aligned offset */
  int fd = memfd_create("lg-dmabuf-test", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, REGION_SIZE) != 0) {
    perror("memfd");
    return 1;
  }
  uint8_t *region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (region == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  memset(region, 0x55, REGION_SIZE);
  fill(region + DATA_OFF, FRAME_TYPE_BGRA);

  /* a renderer without a window: only what the frame path touches */
  struct lg_renderer *r = calloc(1, sizeof(*r));
  r->dpy = dpy;
  r->ctx = ctx;
  egl_frame_init(r);
  struct lg_frame_format fmt = {.type = FRAME_TYPE_BGRA,
                                .width = W,
                                .height = H,
                                .data_height = H,
                                .stride = PITCH / 4u,
                                .pitch = PITCH};
  CHECK(egl_frame_format(r, &fmt), "egl_frame_format BGRA");
  CHECK(egl_dmabuf_supported(r, &why), "renderer says no DMA-BUF: %s", why);

  GLuint prog = egl_program(vs, fs);
  CHECK(prog != 0, "shader");
  GLuint ctex, fbo;
  glGenTextures(1, &ctex);
  glBindTexture(GL_TEXTURE_2D, ctex);
  glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, (GLsizei)W, (GLsizei)H);
  glGenFramebuffers(1, &fbo);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, ctex, 0);
  CHECK(glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE, "FBO incomplete");

  /* 1. BGRA ('AR24') through the renderer op */
  CHECK(egl_dmabuf_frame(r, fd, DATA_OFF, NULL, 0), "BGRA import failed");
  CHECK(!r->frame.swizzle, "an imported frame must not be swizzled");
  CHECK(draw_and_check(prog, fbo, r->frame.tex, "BGRA dma-buf") == 0, "BGRA pattern");
  CHECK(images_in_use(r) == 1, "one image, got %u", images_in_use(r));

  /* 2. the same buffer again: the cached image, no new import */
  EGLImageKHR first = r->dmabuf.bound;
  struct frame_damage_rect rect = {10, 10, 20, 20};
  CHECK(egl_dmabuf_frame(r, fd, DATA_OFF, &rect, 1), "second BGRA frame failed");
  CHECK(r->dmabuf.bound == first && images_in_use(r) == 1, "the image was not reused");

  /* 3. the standalone import (what the renderer op is built on) */
  char msg[200];
  EGLImageKHR img = egl_dmabuf_import(dpy, &procs, fd, DATA_OFF, &fmt, msg, sizeof(msg));
  CHECK(img != EGL_NO_IMAGE_KHR, "egl_dmabuf_import: %s", msg);
  if (img != EGL_NO_IMAGE_KHR) {
    GLuint t;
    glGenTextures(1, &t);
    glBindTexture(GL_TEXTURE_2D, t);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    procs.target_texture(GL_TEXTURE_2D, (GLeglImageOES)img);
    CHECK(draw_and_check(prog, fbo, t, "BGRA standalone import") == 0, "standalone pattern");
    glDeleteTextures(1, &t);
    procs.destroy_image(dpy, img);
  }

  /* 4. RGBA ('AB24'): a format change drops the BGRA image */
  fill(region + DATA_OFF, FRAME_TYPE_RGBA);
  fmt.type = FRAME_TYPE_RGBA;
  CHECK(egl_frame_format(r, &fmt), "egl_frame_format RGBA");
  CHECK(egl_dmabuf_frame(r, fd, DATA_OFF, NULL, 0), "RGBA import failed");
  CHECK(images_in_use(r) == 1 && r->dmabuf.img[0].fourcc != 0 &&
            r->dmabuf.bound != EGL_NO_IMAGE_KHR,
        "format change left %u images", images_in_use(r));
  for (unsigned i = 0; i < EGL_DMABUF_IMAGES; ++i)
    if (r->dmabuf.img[i].image != EGL_NO_IMAGE_KHR)
      CHECK(r->dmabuf.img[i].fourcc == egl_dmabuf_fourcc(FRAME_TYPE_RGBA), "stale BGRA image");
  CHECK(draw_and_check(prog, fbo, r->frame.tex, "RGBA dma-buf") == 0, "RGBA pattern");

  /* 5. an import that fails (a closed fd) falls back: plain texture, copy works */
  int gone = dup(fd);
  close(gone);
  /* (llvmpipe accepts any fd in eglCreateImageKHR and fails later, so the renderer's own
   * check of the fd is what refuses it here) */
  CHECK(!egl_dmabuf_frame(r, gone, DATA_OFF, NULL, 0), "a closed fd was imported");
  CHECK(r->dmabuf.bound == EGL_NO_IMAGE_KHR, "the texture still shows an image");
  CHECK(egl_frame_upload(r, region + DATA_OFF, NULL, 0), "copy path upload after fallback");
  CHECK(draw_and_check(prog, fbo, r->frame.tex, "RGBA copy after fallback") == 0, "copy pattern");

  egl_dmabuf_free(r);
  egl_frame_free(r);
  glDeleteFramebuffers(1, &fbo);
  glDeleteTextures(1, &ctex);
  glDeleteProgram(prog);
  free(r);
  munmap(region, REGION_SIZE);
  close(fd);
  eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(dpy, ctx);
  eglTerminate(dpy);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("dmabuf import: all checks passed\n");
  return 0;
}
