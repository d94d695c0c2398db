"""The kernel: building blocks every module uses, and no business rules.

It never imports a module (``modules.*``) nor the composition root (settings, urls, the
Celery app); it finds modules through their manifests, named in ``settings.SEAMS_MODULES``.
"""
