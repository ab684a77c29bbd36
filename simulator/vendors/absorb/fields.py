"""Which wire fields each collection can `_filter` and `_sort` on, and their OData types.

The excerpt does not mark fields `Filterable`; we allow every scalar field stored as a
column (inferred). `timeSpent` (a TimeSpan string) is filterable as `timeSpentTicks`.
Arrays (`ccEmailAddresses`, `roleIds`) and `customFields` are not comparable.
"""

from __future__ import annotations

from simulator.vendors.absorb.models import (
    AbsorbCourse,
    AbsorbCourseEnrollment,
    AbsorbDepartment,
    AbsorbLessonEnrollment,
    AbsorbSessionEnrollment,
    AbsorbUser,
)
from simulator.vendors.absorb.odata import BOOL, DATETIME, DECIMAL, GUID, INT, STRING, Field

CE = AbsorbCourseEnrollment
COURSE_ENROLLMENT = {
    "id": Field(CE.id, GUID),
    "courseId": Field(CE.course_id, GUID),
    "courseName": Field(CE.course_name, STRING),
    "userId": Field(CE.user_id, GUID),
    "fullName": Field(CE.full_name, STRING),
    "jobTitle": Field(CE.job_title, STRING),
    "status": Field(CE.status, INT),
    "progress": Field(CE.progress, DECIMAL),
    "score": Field(CE.score, DECIMAL),
    "isActive": Field(CE.is_active, BOOL),
    "dateAdded": Field(CE.date_added, DATETIME),
    "dateEdited": Field(CE.date_edited, DATETIME),
    "dateStarted": Field(CE.date_started, DATETIME),
    "dateCompleted": Field(CE.date_completed, DATETIME),
    "dateExpires": Field(CE.date_expires, DATETIME),
    "dateDue": Field(CE.date_due, DATETIME),
    "accessDate": Field(CE.access_date, DATETIME),
    "courseVersionId": Field(CE.course_version_id, GUID),
    "acceptedTermsAndConditions": Field(CE.accepted_terms_and_conditions, BOOL),
    "timeSpentTicks": Field(CE.time_spent_ticks, INT),
    "enrollmentKeyId": Field(CE.enrollment_key_id, GUID),
    "certificateId": Field(CE.certificate_id, GUID),
    "credits": Field(CE.credits, DECIMAL),
    "courseCollectionId": Field(CE.course_collection_id, GUID),
}

LE = AbsorbLessonEnrollment
LESSON_ENROLLMENT = {
    "id": Field(LE.id, GUID),
    "chapterEnrollmentId": Field(LE.chapter_enrollment_id, GUID),
    "courseEnrollmentId": Field(LE.course_enrollment_id, GUID),
    "chapterId": Field(LE.chapter_id, GUID),
    "lessonId": Field(LE.lesson_id, GUID),
    "type": Field(LE.lesson_type, STRING),
    "name": Field(LE.name, STRING),
    "userId": Field(LE.user_id, GUID),
    "fullName": Field(LE.full_name, STRING),
    "attempts": Field(LE.attempts, INT),
    "failures": Field(LE.failures, INT),
    "lastAttempt": Field(LE.last_attempt, DATETIME),
    "status": Field(LE.status, INT),
    "progress": Field(LE.progress, DECIMAL),
    "score": Field(LE.score, DECIMAL),
    "timeSpentTicks": Field(LE.time_spent_ticks, INT),
    "dateEnrolled": Field(LE.date_enrolled, DATETIME),
    "dateStarted": Field(LE.date_started, DATETIME),
    "dateCompleted": Field(LE.date_completed, DATETIME),
    "dateEdited": Field(LE.date_edited, DATETIME),
    "dateAdded": Field(LE.date_added, DATETIME),
}

SE = AbsorbSessionEnrollment
SESSION_ENROLLMENT = {
    "id": Field(SE.id, GUID),
    "sessionId": Field(SE.session_id, GUID),
    "courseEnrollmentId": Field(SE.course_enrollment_id, GUID),
    "name": Field(SE.name, STRING),
    "userId": Field(SE.user_id, GUID),
    "fullName": Field(SE.full_name, STRING),
    "status": Field(SE.status, INT),
    "progress": Field(SE.progress, DECIMAL),
    "score": Field(SE.score, DECIMAL),
    "timeSpentTicks": Field(SE.time_spent_ticks, INT),
    "dateEnrolled": Field(SE.date_enrolled, DATETIME),
    "dateStarted": Field(SE.date_started, DATETIME),
    "dateCompleted": Field(SE.date_completed, DATETIME),
    "dateEdited": Field(SE.date_edited, DATETIME),
}

U = AbsorbUser
USER = {
    "id": Field(U.id, GUID),
    "departmentId": Field(U.department_id, GUID),
    "firstName": Field(U.first_name, STRING),
    "middleName": Field(U.middle_name, STRING),
    "lastName": Field(U.last_name, STRING),
    "username": Field(U.username, STRING),
    "emailAddress": Field(U.email_address, STRING),
    "externalId": Field(U.external_id, STRING),
    "languageId": Field(U.language_id, INT),
    "gender": Field(U.gender, INT),
    "address": Field(U.address, STRING),
    "address2": Field(U.address2, STRING),
    "city": Field(U.city, STRING),
    "provinceId": Field(U.province_id, GUID),
    "countryId": Field(U.country_id, GUID),
    "postalCode": Field(U.postal_code, STRING),
    "phone": Field(U.phone, STRING),
    "employeeNumber": Field(U.employee_number, STRING),
    "location": Field(U.location, STRING),
    "jobTitle": Field(U.job_title, STRING),
    "referenceNumber": Field(U.reference_number, STRING),
    "dateHired": Field(U.date_hired, DATETIME),
    "dateTerminated": Field(U.date_terminated, DATETIME),
    "dateEdited": Field(U.date_edited, DATETIME),
    "dateAdded": Field(U.date_added, DATETIME),
    "lastLoginDate": Field(U.last_login_date, DATETIME),
    "notes": Field(U.notes, STRING),
    "activeStatus": Field(U.active_status, INT),
    "isLearner": Field(U.is_learner, BOOL),
    "isAdmin": Field(U.is_admin, BOOL),
    "isInstructor": Field(U.is_instructor, BOOL),
    "isManager": Field(U.is_manager, BOOL),
    "supervisorId": Field(U.supervisor_id, GUID),
}

D = AbsorbDepartment
DEPARTMENT = {
    "id": Field(D.id, GUID),
    "name": Field(D.name, STRING),
    "useDepartmentContactDetails": Field(D.use_department_contact_details, BOOL),
    "companyName": Field(D.company_name, STRING),
    "phoneNumber": Field(D.phone_number, STRING),
    "emailAddress": Field(D.email_address, STRING),
    "externalId": Field(D.external_id, STRING),
    "parentId": Field(D.parent_id, GUID),
    "currencyId": Field(D.currency_id, GUID),
    "dateEdited": Field(D.date_edited, DATETIME),
    "dateAdded": Field(D.date_added, DATETIME),
}

C = AbsorbCourse
COURSE = {
    "id": Field(C.id, GUID),
    "name": Field(C.name, STRING),
    "description": Field(C.description, STRING),
    "courseType": Field(C.course_type, STRING),
    "activeStatus": Field(C.active_status, INT),
    "requiresApproval": Field(C.requires_approval, BOOL),
    "passingScore": Field(C.passing_score, DECIMAL),
    "credits": Field(C.credits, DECIMAL),
    "dateAdded": Field(C.date_added, DATETIME),
    "dateEdited": Field(C.date_edited, DATETIME),
}
