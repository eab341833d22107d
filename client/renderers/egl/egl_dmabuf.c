/* Frames as DMA-BUFs: each kvmfr frame slot is imported once as an EGLImage
 * (EGL_EXT_image_dma_buf_import) and the frame texture is pointed at it
 * (GL_OES_EGL_image), so the GPU reads the guest's pixels without a CPU copy. Images are
 * cached per (buffer, offset, layout); a format change drops them. On any failure the frame
 * texture is re-created as a plain texture and the caller falls back to on_frame. */
#include "egl_priv.h"

#include "lg/log.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* DRM fourcc codes (little-endian four-character codes, as in drm_fourcc.h). */
#define EGL_FOURCC(a, b, c, d)                                                                     \
  ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))
#define FOURCC_ARGB8888 EGL_FOURCC('A', 'R', '2', '4')
#define FOURCC_ABGR8888 EGL_FOURCC('A', 'B', '2', '4')
#define FOURCC_ABGR2101010 EGL_FOURCC('A', 'B', '3', '0')
#define FOURCC_ABGR16161616F EGL_FOURCC('A', 'B', '4', 'H')

uint32_t egl_dmabuf_fourcc(uint32_t frame_type)
{
  switch (frame_type) {
  case FRAME_TYPE_BGRA: /* bytes B,G,R,A = a little-endian ARGB word */
    return FOURCC_ARGB8888;
  case FRAME_TYPE_RGBA:
    return FOURCC_ABGR8888;
  case FRAME_TYPE_RGBA10:
    return FOURCC_ABGR2101010;
  case FRAME_TYPE_RGBA16F:
    return FOURCC_ABGR16161616F;
  default:
    return 0;
  }
}

bool egl_dmabuf_probe(EGLDisplay dpy, struct egl_dmabuf_procs *procs, const char **why)
{
  memset(procs, 0, sizeof(*procs));
  const char *ext = eglQueryString(dpy, EGL_EXTENSIONS);
  const char *reason = NULL;
  if (!ext || !egl_has_ext(ext, "EGL_EXT_image_dma_buf_import"))
    reason = "EGL lacks EGL_EXT_image_dma_buf_import";
  else if (!egl_has_ext(ext, "EGL_KHR_image_base"))
    reason = "EGL lacks EGL_KHR_image_base";
  else if (!egl_gl_has_ext("GL_OES_EGL_image"))
    reason = "GL lacks GL_OES_EGL_image";
  if (!reason) {
    procs->create_image = (PFNEGLCREATEIMAGEKHRPROC)eglGetProcAddress("eglCreateImageKHR");
    procs->destroy_image = (PFNEGLDESTROYIMAGEKHRPROC)eglGetProcAddress("eglDestroyImageKHR");
    procs->target_texture =
        (PFNGLEGLIMAGETARGETTEXTURE2DOESPROC)eglGetProcAddress("glEGLImageTargetTexture2DOES");
    if (!procs->create_image || !procs->destroy_image || !procs->target_texture)
      reason = "EGL does not export the image entry points";
  }
  if (why)
    *why = reason;
  return reason == NULL;
}

EGLImageKHR egl_dmabuf_import(EGLDisplay dpy, const struct egl_dmabuf_procs *procs, int fd,
                              uint32_t offset, const struct lg_frame_format *fmt, char *why,
                              size_t why_cap)
{
  const uint32_t fourcc = egl_dmabuf_fourcc(fmt->type);
  if (!fourcc) {
    snprintf(why, why_cap, "frame type %u has no DRM format", fmt->type);
    return EGL_NO_IMAGE_KHR;
  }
  if (fd < 0 || !fmt->width || !fmt->data_height || fmt->width > INT32_MAX ||
      fmt->data_height > INT32_MAX || fmt->pitch > INT32_MAX || offset > INT32_MAX) {
    snprintf(why, why_cap, "bad layout %ux%u pitch %u offset %u", fmt->width, fmt->data_height,
             fmt->pitch, offset);
    return EGL_NO_IMAGE_KHR;
  }
  const EGLint attr[] = {EGL_WIDTH,
                         (EGLint)fmt->width,
                         EGL_HEIGHT,
                         (EGLint)fmt->data_height,
                         EGL_LINUX_DRM_FOURCC_EXT,
                         (EGLint)fourcc,
                         EGL_DMA_BUF_PLANE0_FD_EXT,
                         fd,
                         EGL_DMA_BUF_PLANE0_OFFSET_EXT,
                         (EGLint)offset,
                         EGL_DMA_BUF_PLANE0_PITCH_EXT,
                         (EGLint)fmt->pitch,
                         EGL_NONE};
  EGLImageKHR img =
      procs->create_image(dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, (EGLClientBuffer)NULL, attr);
  if (img == EGL_NO_IMAGE_KHR)
    snprintf(why, why_cap, "eglCreateImageKHR(%.4s %ux%u pitch %u) failed (0x%x)",
             (const char *)&fourcc, fmt->width, fmt->data_height, fmt->pitch, eglGetError());
  return img;
}

bool egl_dmabuf_supported(struct lg_renderer *r, const char **why)
{
  struct egl_dmabuf *d = &r->dmabuf;
  if (!d->probed) {
    d->supported = egl_dmabuf_probe(r->dpy, &d->procs, &d->why);
    d->probed = true;
    LG_INFO("egl: DMA-BUF import %s%s",
            d->supported ? "available" : "unavailable: ", d->supported ? "" : d->why);
  }
  if (why)
    *why = d->supported ? NULL : d->why;
  return d->supported;
}

static void drop_image(struct egl_dmabuf *d, struct egl_dmabuf_image *im, EGLDisplay dpy)
{
  if (im->image != EGL_NO_IMAGE_KHR && d->procs.destroy_image)
    d->procs.destroy_image(dpy, im->image);
  memset(im, 0, sizeof(*im));
  im->image = EGL_NO_IMAGE_KHR;
}

void egl_dmabuf_free(struct lg_renderer *r)
{
  struct egl_dmabuf *d = &r->dmabuf;
  for (unsigned i = 0; i < EGL_DMABUF_IMAGES; ++i)
    drop_image(d, &d->img[i], r->dpy);
  d->bound = EGL_NO_IMAGE_KHR;
}

/* Makes the frame texture a plain texture again (its storage is the image otherwise). */
static void unbind_texture(struct lg_renderer *r)
{
  struct egl_dmabuf *d = &r->dmabuf;
  if (d->bound == EGL_NO_IMAGE_KHR)
    return;
  d->bound = EGL_NO_IMAGE_KHR;
  struct lg_frame_format fmt = r->frame.fmt;
  egl_frame_format(r, &fmt);
}

/* The cached image for this buffer and format, imported on first use; NULL on failure. */
static struct egl_dmabuf_image *get_image(struct lg_renderer *r, int fd, uint32_t offset, char *why,
                                          size_t why_cap)
{
  struct egl_dmabuf *d = &r->dmabuf;
  const struct lg_frame_format *fmt = &r->frame.fmt;
  const uint32_t fourcc = egl_dmabuf_fourcc(fmt->type);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    snprintf(why, why_cap, "fd %d is not open", fd);
    return NULL;
  }
  struct egl_dmabuf_image *victim = &d->img[0];
  for (unsigned i = 0; i < EGL_DMABUF_IMAGES; ++i) {
    struct egl_dmabuf_image *im = &d->img[i];
    if (im->image == EGL_NO_IMAGE_KHR) {
      if (victim->image != EGL_NO_IMAGE_KHR)
        victim = im;
      continue;
    }
    /* a format change leaves images of another layout behind: drop them */
    if (im->fourcc != fourcc || im->width != fmt->width || im->height != fmt->data_height ||
        im->pitch != fmt->pitch) {
      if (im->image == d->bound)
        unbind_texture(r);
      drop_image(d, im, r->dpy);
      victim = im;
      continue;
    }
    if (im->dev == (uint64_t)st.st_dev && im->ino == (uint64_t)st.st_ino && im->offset == offset)
      return im;
    if (victim->image != EGL_NO_IMAGE_KHR && im->last_use < victim->last_use)
      victim = im;
  }
  EGLImageKHR img = egl_dmabuf_import(r->dpy, &d->procs, fd, offset, fmt, why, why_cap);
  if (img == EGL_NO_IMAGE_KHR)
    return NULL;
  if (victim->image == d->bound && victim->image != EGL_NO_IMAGE_KHR)
    unbind_texture(r);
  drop_image(d, victim, r->dpy);
  victim->image = img;
  victim->dev = (uint64_t)st.st_dev;
  victim->ino = (uint64_t)st.st_ino;
  victim->offset = offset;
  victim->fourcc = fourcc;
  victim->width = fmt->width;
  victim->height = fmt->data_height;
  victim->pitch = fmt->pitch;
  return victim;
}

bool egl_dmabuf_frame(struct lg_renderer *r, int fd, uint32_t offset,
                      const struct frame_damage_rect *rects, uint32_t count)
{
  struct egl_dmabuf *d = &r->dmabuf;
  struct egl_frame *f = &r->frame;
  char why[200] = "";
  if (!egl_dmabuf_supported(r, NULL))
    return false;
  if (!f->valid || !f->tex) {
    unbind_texture(r);
    return false;
  }
  if (f->fmt.data_height != f->fmt.height) {
    snprintf(why, sizeof(why), "a truncated frame (%u of %u rows) is copied", f->fmt.data_height,
             f->fmt.height);
  } else {
    struct egl_dmabuf_image *im = get_image(r, fd, offset, why, sizeof(why));
    if (im) {
      im->last_use = ++d->tick;
      /* has_data false: on_frame_format re-created the texture, which forgot the image */
      const bool first = d->bound == EGL_NO_IMAGE_KHR || !f->has_data;
      glBindTexture(GL_TEXTURE_2D, f->tex);
      if (im->image != d->bound || !f->has_data) {
        d->procs.target_texture(GL_TEXTURE_2D, (GLeglImageOES)im->image);
        d->bound = im->image;
      }
      GLenum err = glGetError();
      if (err == GL_NO_ERROR) {
        f->swizzle = false; /* the DRM format already gives R,G,B,A */
        f->has_data = true;
        if (first || count == 0 || count > KVMFR_MAX_DAMAGE_RECTS || !r->layout_valid) {
          r->full_damage = true;
        } else {
          for (uint32_t i = 0; i < count; ++i) {
            struct egl_box b = egl_frame_rect_box(r, (float)rects[i].x, (float)rects[i].y,
                                                  (float)rects[i].width, (float)rects[i].height);
            egl_box_union(&r->damage, &b);
          }
        }
        return true;
      }
      snprintf(why, sizeof(why), "glEGLImageTargetTexture2DOES failed (0x%x)", err);
    }
  }
  if (!d->warned) {
    LG_WARN("egl: DMA-BUF import failed, using the copy path: %s", why);
    d->warned = true;
  }
  unbind_texture(r);
  return false;
}
